//! The scaling-law sweep: train one fresh model per point for the same step budget, either
//! growing the model (width axis) or the training set (data axis), and measure the validation
//! loss on a held-out part of the training file that is the same for every point.
//!
//! Points come one at a time from [`ScalingSweep::next_point`], so a caller can draw each as it
//! finishes and stop between points (the page's Cancel). Every point starts from the same seed:
//! the same init recipe and batch order, so only the swept quantity differs.
use super::fit::{fit_power_law, FitPoint, PowerLawFit};
use crate::backend::Backend;
use crate::data::mnist::Mnist;
use crate::engine::{build_engine, BackendChoice};
use crate::error::{Error, Result};
use crate::init::init_params;
use crate::optim::OptimizerConfig;
use crate::spec::{LayerSpec, Loss, ModelSpec, Padding, IMAGE_PIXELS};
use crate::trainer::{Trainer, TrainerConfig};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    /// Model size: the hidden width (MLP) or channel count (CNN) changes, the data is all of it.
    Width,
    /// Training-set size: a fraction of the training pool, the model is fixed at `width`.
    Data,
}

/// Which family of models a width belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `784 - width - 10` with ReLU.
    Mlp,
    /// conv(width) - pool - conv(2 width) - pool - dense(64) - dense(10): width is the channel
    /// multiplier of the preset CNN (32 there).
    Cnn,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepConfig {
    pub axis: Axis,
    pub family: Family,
    pub backend: BackendChoice,
    /// Training steps per point (the fixed budget).
    pub steps: u64,
    pub batch: usize,
    pub optimizer: OptimizerConfig,
    pub seed: u64,
    /// Width axis: the widths to train.
    pub widths: Vec<usize>,
    /// Data axis: fractions of the training pool.
    pub fractions: Vec<f64>,
    /// Data axis: the fixed model width.
    pub width: usize,
    /// Fraction of the training file held out (from its end) to measure the loss on.
    pub validation: f64,
    /// At most this many held-out samples are evaluated per point.
    #[serde(alias = "evalLimit")]
    pub eval_limit: usize,
}

impl Default for SweepConfig {
    fn default() -> Self {
        Self {
            axis: Axis::Width,
            family: Family::Mlp,
            backend: BackendChoice::Auto,
            steps: 300,
            batch: 64,
            optimizer: OptimizerConfig::default(),
            seed: 1,
            widths: vec![8, 16, 32, 64, 128, 256, 512],
            fractions: vec![0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0],
            width: 64,
            validation: 0.1,
            eval_limit: 1000,
        }
    }
}

/// The model the sweep trains at `width`.
pub fn width_spec(family: Family, width: usize) -> ModelSpec {
    use LayerSpec::*;
    let layers = match family {
        Family::Mlp => vec![Dense { units: width }, Relu, Dense { units: 10 }],
        Family::Cnn => vec![
            Conv2d {
                filters: width,
                kernel: 3,
                padding: Padding::Valid,
            },
            Relu,
            MaxPool2d { size: 2 },
            Conv2d {
                filters: 2 * width,
                kernel: 3,
                padding: Padding::Valid,
            },
            Relu,
            MaxPool2d { size: 2 },
            Flatten,
            Dense { units: 64 },
            Relu,
            Dense { units: 10 },
        ],
    };
    let input = match family {
        Family::Mlp => vec![IMAGE_PIXELS],
        Family::Cnn => vec![1, 28, 28],
    };
    ModelSpec {
        input,
        layers,
        loss: Loss::SoftmaxCrossEntropy,
    }
}

/// One finished run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    /// Position in the sweep (0-based) and the sweep's length.
    pub index: usize,
    pub of: usize,
    pub axis: Axis,
    pub width: usize,
    pub fraction: f64,
    pub parameters: usize,
    pub train_samples: usize,
    /// The size the law is fitted against: `parameters` (width axis) or `train_samples` (data).
    pub x: f64,
    pub steps: u64,
    /// Passes over the training samples the budget amounted to.
    pub epochs: f64,
    pub val_loss: f32,
    pub val_accuracy: f32,
    pub val_n: usize,
    /// Mean batch loss over the last 10% of the steps.
    pub train_loss: f32,
    /// "cpu" or "gpu": what actually ran.
    pub backend: String,
}

pub struct ScalingSweep {
    config: SweepConfig,
    pool: Mnist,
    validation: Mnist,
    next: usize,
}

impl ScalingSweep {
    /// Splits `train_file` into the training pool and the held-out set, and checks the config.
    pub fn new(config: SweepConfig, train_file: &Mnist) -> Result<Self> {
        config.optimizer.validate()?;
        if !(0.01..0.9).contains(&config.validation) {
            return Err(Error::Config(
                "validation fraction must be in [0.01, 0.9)".into(),
            ));
        }
        if config.steps == 0 || config.batch == 0 {
            return Err(Error::Config("steps and batch must be at least 1".into()));
        }
        let n_val = (train_file.len() as f64 * config.validation).round() as usize;
        let n_pool = train_file.len() - n_val;
        let validation = Mnist {
            images: train_file.images[n_pool * IMAGE_PIXELS..].to_vec(),
            labels: train_file.labels[n_pool..].to_vec(),
        }
        .take(config.eval_limit.max(1));
        let sweep = Self {
            pool: train_file.take(n_pool),
            validation,
            config,
            next: 0,
        };
        for i in 0..sweep.len() {
            let (spec, n_train) = sweep.point_setup(i);
            spec.shapes()?;
            if n_train < sweep.config.batch {
                return Err(Error::Config(format!(
                    "point {i} has {n_train} training samples, fewer than a batch of {}",
                    sweep.config.batch
                )));
            }
        }
        if sweep.is_empty() {
            return Err(Error::Config("the sweep has no points".into()));
        }
        Ok(sweep)
    }

    pub fn config(&self) -> &SweepConfig {
        &self.config
    }

    pub fn len(&self) -> usize {
        match self.config.axis {
            Axis::Width => self.config.widths.len(),
            Axis::Data => self.config.fractions.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_done(&self) -> bool {
        self.next >= self.len()
    }

    /// The model and training-set size of point `i`.
    fn point_setup(&self, i: usize) -> (ModelSpec, usize) {
        match self.config.axis {
            Axis::Width => (
                width_spec(self.config.family, self.config.widths[i]),
                self.pool.len(),
            ),
            Axis::Data => {
                let f = self.config.fractions[i].clamp(0.0, 1.0);
                let n = (self.pool.len() as f64 * f).round() as usize;
                (width_spec(self.config.family, self.config.width), n)
            }
        }
    }

    /// Trains and evaluates the next point; `None` once every point is done.
    pub async fn next_point(&mut self) -> Result<Option<SweepPoint>> {
        if self.is_done() {
            return Ok(None);
        }
        let i = self.next;
        self.next += 1;
        let c = self.config.clone();
        let (spec, n_train) = self.point_setup(i);
        let params = init_params(&spec, c.seed)?;
        let (engine, _) = build_engine(c.backend, &spec, &params, c.batch).await?;
        let backend = engine.info().kind.to_string();
        let trainer_config = TrainerConfig {
            batch: c.batch,
            optimizer: c.optimizer,
            seed: c.seed,
            validation: 0.0,
            ..TrainerConfig::default()
        };
        let mut trainer = Trainer::new(
            engine,
            spec.clone(),
            trainer_config,
            &self.pool.take(n_train),
        )?;
        let mut losses = Vec::with_capacity(c.steps as usize);
        for step in 0..c.steps {
            trainer.step()?;
            // Read metrics back every few steps, not every step: that keeps a GPU queue full.
            if (step + 1) % 25 == 0 || step + 1 == c.steps {
                losses.extend(trainer.poll().await?.iter().map(|r| r.loss));
            }
        }
        let eval = trainer.evaluate(&self.validation, usize::MAX).await?;
        let tail = losses.len().div_ceil(10).max(1);
        let train_loss = losses[losses.len().saturating_sub(tail)..]
            .iter()
            .sum::<f32>()
            / tail as f32;
        let parameters = spec.parameter_count()?;
        Ok(Some(SweepPoint {
            index: i,
            of: self.len(),
            axis: c.axis,
            width: match c.axis {
                Axis::Width => c.widths[i],
                Axis::Data => c.width,
            },
            fraction: n_train as f64 / self.pool.len() as f64,
            parameters,
            train_samples: n_train,
            x: match c.axis {
                Axis::Width => parameters as f64,
                Axis::Data => n_train as f64,
            },
            steps: c.steps,
            epochs: (c.steps as f64 * c.batch as f64) / n_train as f64,
            val_loss: eval.loss,
            val_accuracy: eval.accuracy,
            val_n: eval.n,
            train_loss,
            backend,
        }))
    }
}

/// Fits `val_loss = a x^-alpha + c` over finished points.
pub fn fit_points(points: &[SweepPoint]) -> Result<PowerLawFit> {
    let pts: Vec<FitPoint> = points
        .iter()
        .map(|p| FitPoint {
            x: p.x,
            loss: p.val_loss as f64,
        })
        .collect();
    fit_power_law(&pts)
}
