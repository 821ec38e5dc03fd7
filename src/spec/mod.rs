//! The model spec: a JSON-serialisable list of layers. Index `i` in `layers` is index `i` of the
//! equivalent PyTorch `nn.Sequential`, so parameter names (`"{i}.weight"`) match its state_dict.
//!
//! What a layer is (its shapes, parameters, init, quantization and pruning facts) lives in
//! [`layer`]; this file holds the model-level list, the presets and the checks over the whole list.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

mod layer;

pub use layer::{Activation, Init, LayerSpec, Padding, ParamFact};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Softmax + cross-entropy on logits, fused with its gradient.
    SoftmaxCrossEntropy,
    /// Mean squared error between the raw outputs and one-hot targets.
    Mse,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Shape of one input sample without the batch dimension: `[784]` or `[1, 28, 28]`.
    pub input: Vec<usize>,
    pub layers: Vec<LayerSpec>,
    #[serde(default = "default_loss")]
    pub loss: Loss,
}

fn default_loss() -> Loss {
    Loss::SoftmaxCrossEntropy
}

pub const IMAGE_PIXELS: usize = 784;
pub const CLASSES: usize = 10;

/// How wide a model's input and output must be. Every playground door checks against
/// [`Io::MNIST`] (784 pixels in, 10 classes out); the plane (`src/points/`) builds models over a
/// point's few features with one output per class, or one for a regression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Io {
    pub inputs: usize,
    pub outputs: usize,
}

impl Io {
    pub const MNIST: Io = Io {
        inputs: IMAGE_PIXELS,
        outputs: CLASSES,
    };
}
/// The most parameters a model may have (100 MB of f32; Adam keeps two more copies). A spec
/// within every layer's own limits can still ask for billions (conv 512 'same', flatten, dense
/// 4096), which would abort the wasm engine on allocation instead of giving a message.
pub const MAX_PARAMETERS: usize = 25_000_000;
/// The most layer outputs one batch may hold (1 GB of f32; training keeps their gradients too).
pub const MAX_BATCH_ACTIVATIONS: usize = 1 << 28;

impl ModelSpec {
    /// `Sequential(Linear(784,128), ReLU(), Linear(128,10))`.
    pub fn mlp() -> Self {
        Self {
            input: vec![IMAGE_PIXELS],
            layers: vec![
                LayerSpec::Dense { units: 128 },
                LayerSpec::Relu,
                LayerSpec::Dense { units: 10 },
            ],
            loss: Loss::SoftmaxCrossEntropy,
        }
    }

    /// The classic Keras MNIST CNN, as a PyTorch Sequential (tensors `0.*`, `3.*`, `7.*`, `9.*`).
    pub fn cnn() -> Self {
        use LayerSpec::*;
        Self {
            input: vec![1, 28, 28],
            layers: vec![
                Conv2d {
                    filters: 32,
                    kernel: 3,
                    padding: Padding::Valid,
                },
                Relu,
                MaxPool2d { size: 2 },
                Conv2d {
                    filters: 64,
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
            loss: Loss::SoftmaxCrossEntropy,
        }
    }

    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "mlp" => Ok(Self::mlp()),
            "cnn" => Ok(Self::cnn()),
            other => Err(Error::Spec(format!(
                "unknown preset '{other}' (expected 'mlp' or 'cnn')"
            ))),
        }
    }

    pub fn from_json(json: &str) -> Result<Self> {
        let spec: Self = serde_json::from_str(json).map_err(|e| Error::Spec(e.to_string()))?;
        spec.shapes()?;
        Ok(spec)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a spec always serialises")
    }

    /// Output shape (without batch) of every layer, checked: `shapes()[i]` is layer `i`'s output.
    /// The last one must be `[10]` (one output per digit class).
    pub fn shapes(&self) -> Result<Vec<Vec<usize>>> {
        self.shapes_for(Io::MNIST)
    }

    /// [`ModelSpec::shapes`] for a model whose input holds `io.inputs` values and whose last
    /// layer outputs `[io.outputs]`.
    pub fn shapes_for(&self, io: Io) -> Result<Vec<Vec<usize>>> {
        // Checked: a hostile input shape like [2^64-1, 2] must not overflow (tests/fuzz_doors.rs).
        let pixels = self.input.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if self.input.is_empty() || pixels != Some(io.inputs) {
            return Err(Error::Spec(if io == Io::MNIST {
                format!(
                    "input {:?} must hold 784 pixels ([784] or [1, 28, 28])",
                    self.input
                )
            } else {
                format!("input {:?} must hold {} features", self.input, io.inputs)
            }));
        }
        if self.layers.is_empty() {
            return Err(Error::Spec("the model has no layers".into()));
        }
        let mut shape = self.input.clone();
        let mut out = Vec::with_capacity(self.layers.len());
        for (i, layer) in self.layers.iter().enumerate() {
            shape = layer
                .output_shape(&shape)
                .map_err(|msg| Error::Spec(format!("layer {i} ({layer:?}): {msg}")))?;
            out.push(shape.clone());
        }
        if shape != [io.outputs] {
            return Err(Error::Spec(if io == Io::MNIST {
                format!("the last layer must output [10] (one per digit), got {shape:?}")
            } else {
                format!("the last layer must output [{}], got {shape:?}", io.outputs)
            }));
        }
        Ok(out)
    }

    /// Input shape of layer `i` (without batch).
    pub fn input_shape(&self, shapes: &[Vec<usize>], i: usize) -> Vec<usize> {
        if i == 0 {
            self.input.clone()
        } else {
            shapes[i - 1].clone()
        }
    }

    /// Every parameter tensor with its layer's facts about it, in state_dict order.
    pub fn param_facts(&self) -> Result<Vec<ModelParam>> {
        self.param_facts_for(Io::MNIST)
    }

    /// [`ModelSpec::param_facts`] of a model checked against `io` (see [`ModelSpec::shapes_for`]).
    pub fn param_facts_for(&self, io: Io) -> Result<Vec<ModelParam>> {
        let shapes = self.shapes_for(io)?;
        let mut params = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            for fact in layer.params(&self.input_shape(&shapes, i)) {
                params.push(ModelParam {
                    layer: i,
                    name: param_name(i, fact.suffix),
                    fact,
                });
            }
        }
        let total: usize = params
            .iter()
            .map(|p| p.fact.shape.iter().product::<usize>())
            .sum();
        if total > MAX_PARAMETERS {
            return Err(Error::Spec(format!(
                "the model has {total} parameters; the most this playground trains is {MAX_PARAMETERS}"
            )));
        }
        Ok(params)
    }

    /// Refuse a batch whose layer outputs would not fit in memory (see [`MAX_BATCH_ACTIVATIONS`]).
    pub fn check_batch_memory(&self, batch: usize) -> Result<()> {
        self.check_batch_memory_for(batch, Io::MNIST)
    }

    /// [`ModelSpec::check_batch_memory`] of a model checked against `io`.
    pub fn check_batch_memory_for(&self, batch: usize, io: Io) -> Result<()> {
        let per_sample: usize = self
            .shapes_for(io)?
            .iter()
            .map(|s| s.iter().product::<usize>())
            .sum();
        match per_sample.checked_mul(batch) {
            Some(n) if n <= MAX_BATCH_ACTIVATIONS => Ok(()),
            _ => Err(Error::Spec(format!(
                "a batch of {batch} needs {per_sample} layer outputs per image, more than fit in \
                 memory ({MAX_BATCH_ACTIVATIONS} in all): use a smaller batch or model"
            ))),
        }
    }

    /// Names and shapes of every parameter tensor, in state_dict order.
    pub fn param_shapes(&self) -> Result<Vec<(String, Vec<usize>)>> {
        self.param_shapes_for(Io::MNIST)
    }

    pub fn param_shapes_for(&self, io: Io) -> Result<Vec<(String, Vec<usize>)>> {
        Ok(self
            .param_facts_for(io)?
            .into_iter()
            .map(|p| (p.name, p.fact.shape))
            .collect())
    }

    pub fn parameter_count(&self) -> Result<usize> {
        Ok(self
            .param_shapes()?
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum())
    }

    /// The activation that follows layer `i` directly, if any (chooses He vs Xavier init, and lets a
    /// backend fuse bias + activation into the layer's kernel).
    pub fn activation_after(&self, i: usize) -> Option<Activation> {
        self.layers.get(i + 1)?.activation()
    }
}

/// A parameter tensor of a model: its layer's [`ParamFact`] with the layer index and the
/// state_dict name.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelParam {
    pub layer: usize,
    /// `"{layer}.{suffix}"`, as in the PyTorch `nn.Sequential` state_dict.
    pub name: String,
    pub fact: ParamFact,
}

/// The state_dict name of layer `layer`'s parameter `suffix` (`"3.weight"`): the one place the
/// naming rule is written.
pub fn param_name(layer: usize, suffix: &str) -> String {
    format!("{layer}.{suffix}")
}
