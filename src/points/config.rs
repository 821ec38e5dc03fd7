//! Every setting of the plane page as one checked value: the data, the inputs, the network and
//! the optimizer. The page's address, `window.plane.configure` and the worker all pass this.
use super::features::Feature;
use super::generate::{DatasetKind, MAX_NOISE, MAX_POINTS};
use crate::engine::BackendChoice;
use crate::error::{Error, Result};
use crate::optim::{OptimizerConfig, OptimizerKind};
use crate::spec::{Io, LayerSpec, Loss, ModelSpec};
use serde::{Deserialize, Serialize};

/// Most hidden layers and neurons per layer (TensorFlow Playground's limits).
pub const MAX_HIDDEN_LAYERS: usize = 6;
pub const MAX_NEURONS: usize = 8;
/// Largest batch (TensorFlow Playground stops at 30; more is allowed here, up to the train set).
pub const MAX_BATCH: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Problem {
    Classification,
    Regression,
}

/// The hidden layers' activation; `linear` puts none between the dense layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HiddenActivation {
    Relu,
    Tanh,
    Sigmoid,
    Linear,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlaneConfig {
    pub dataset: DatasetKind,
    /// Arms of a spiral (2-4); every other classification has 2 classes.
    pub classes: usize,
    /// Points generated (train and test together).
    pub points: usize,
    pub noise: f32,
    /// Fraction of the points used for training (0.1..0.9); the rest are the test set.
    pub ratio: f32,
    pub seed: u64,
    pub features: Vec<Feature>,
    /// Width of each hidden layer, input side first (0 to 6 layers of 1 to 8 neurons).
    pub layers: Vec<usize>,
    pub activation: HiddenActivation,
    pub batch: usize,
    pub optimizer: OptimizerConfig,
    /// Optional: must agree with the dataset when given (a check for scripted callers).
    pub problem: Option<Problem>,
    /// The engine backend that trains: `cpu` (the default: a plane net's step is microseconds,
    /// less than one GPU dispatch costs), `gpu` or `auto`.
    pub backend: BackendChoice,
}

impl Default for PlaneConfig {
    /// TensorFlow Playground's opening screen: circle, x1 and x2, 4-2 tanh, rate 0.03, batch 10.
    fn default() -> Self {
        Self {
            dataset: DatasetKind::Circle,
            classes: 2,
            points: 500,
            noise: 0.0,
            ratio: 0.5,
            seed: 1,
            features: vec![Feature::X1, Feature::X2],
            layers: vec![4, 2],
            activation: HiddenActivation::Tanh,
            batch: 10,
            optimizer: OptimizerConfig {
                kind: OptimizerKind::Sgd,
                lr: 0.03,
                ..OptimizerConfig::default()
            },
            problem: None,
            backend: BackendChoice::Cpu,
        }
    }
}

impl PlaneConfig {
    pub fn problem_of_dataset(&self) -> Problem {
        if self.dataset.is_regression() {
            Problem::Regression
        } else {
            Problem::Classification
        }
    }

    /// One output per class, or one value.
    pub fn outputs(&self) -> usize {
        match self.problem_of_dataset() {
            Problem::Classification => self.classes,
            Problem::Regression => 1,
        }
    }

    pub fn io(&self) -> Io {
        Io {
            inputs: self.features.len(),
            outputs: self.outputs(),
        }
    }

    /// Everything checked, with a message naming the setting and its range.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if let Some(p) = self.problem {
            if p != self.problem_of_dataset() {
                return bad(format!(
                    "dataset {:?} is a {:?} problem, not {p:?}",
                    self.dataset,
                    self.problem_of_dataset()
                ));
            }
        }
        let arms = if self.dataset == DatasetKind::Spiral {
            2..=4
        } else {
            2..=2
        };
        if !self.dataset.is_regression() && !arms.contains(&self.classes) {
            return bad(format!(
                "{:?} has {arms:?} classes, not {}",
                self.dataset, self.classes
            ));
        }
        if !(1..=MAX_POINTS).contains(&self.points) {
            return bad(format!("points {} is not in 1..={MAX_POINTS}", self.points));
        }
        if !(self.noise.is_finite() && (0.0..=MAX_NOISE).contains(&self.noise)) {
            return bad(format!("noise {} is not in [0, {MAX_NOISE}]", self.noise));
        }
        if !(self.ratio.is_finite() && (0.1..=0.9).contains(&self.ratio)) {
            return bad(format!("ratio {} is not in [0.1, 0.9]", self.ratio));
        }
        if self.features.is_empty() {
            return bad("pick at least one feature".into());
        }
        if let Some(f) = self
            .features
            .iter()
            .enumerate()
            .find(|(i, f)| self.features[..*i].contains(f))
        {
            return bad(format!("feature {} is given twice", f.1.name()));
        }
        if self.layers.len() > MAX_HIDDEN_LAYERS {
            return bad(format!(
                "{} hidden layers; the most is {MAX_HIDDEN_LAYERS}",
                self.layers.len()
            ));
        }
        if let Some(w) = self
            .layers
            .iter()
            .find(|&&w| !(1..=MAX_NEURONS).contains(&w))
        {
            return bad(format!(
                "a layer of {w} neurons is not in 1..={MAX_NEURONS}"
            ));
        }
        if !(1..=MAX_BATCH).contains(&self.batch) {
            return bad(format!("batch {} is not in 1..={MAX_BATCH}", self.batch));
        }
        self.optimizer.validate()
    }

    /// The model: `Linear -> activation` per hidden layer, then `Linear(outputs)`; softmax
    /// cross-entropy for classes, MSE for a value.
    pub fn spec(&self) -> ModelSpec {
        let mut layers = Vec::new();
        for &units in &self.layers {
            layers.push(LayerSpec::Dense { units });
            match self.activation {
                HiddenActivation::Relu => layers.push(LayerSpec::Relu),
                HiddenActivation::Tanh => layers.push(LayerSpec::Tanh),
                HiddenActivation::Sigmoid => layers.push(LayerSpec::Sigmoid),
                HiddenActivation::Linear => {}
            }
        }
        layers.push(LayerSpec::Dense {
            units: self.outputs(),
        });
        ModelSpec {
            input: vec![self.features.len()],
            layers,
            loss: match self.problem_of_dataset() {
                Problem::Classification => Loss::SoftmaxCrossEntropy,
                Problem::Regression => Loss::Mse,
            },
        }
    }

    /// Index in [`PlaneConfig::spec`]'s layers of each hidden layer's output (after its
    /// activation), then of the output layer.
    pub fn neuron_layers(&self) -> Vec<usize> {
        let per = if self.activation == HiddenActivation::Linear {
            1
        } else {
            2
        };
        let mut out: Vec<usize> = (0..self.layers.len()).map(|h| h * per + per - 1).collect();
        out.push(self.layers.len() * per);
        out
    }
}
