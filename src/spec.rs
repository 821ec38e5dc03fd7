//! The model spec: a JSON-serialisable list of layers. Index `i` in `layers` is index `i` of the
//! equivalent PyTorch `nn.Sequential`, so parameter names (`"{i}.weight"`) match its state_dict.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Padding {
    Valid,
    Same,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Sigmoid,
    Tanh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Softmax + cross-entropy on logits, fused with its gradient.
    SoftmaxCrossEntropy,
    /// Mean squared error between the raw outputs and one-hot targets.
    Mse,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LayerSpec {
    /// PyTorch `Linear(in, units)`: weight `[units, in]`, bias `[units]`. Input must be flat.
    Dense {
        units: usize,
    },
    /// PyTorch `Conv2d(in, filters, kernel, padding)`, stride 1: weight `[filters, in, k, k]`.
    Conv2d {
        filters: usize,
        kernel: usize,
        #[serde(default = "valid")]
        padding: Padding,
    },
    /// PyTorch `MaxPool2d(size)` (stride = size, floor).
    MaxPool2d {
        size: usize,
    },
    /// PyTorch `Flatten()`: NCHW order, so `[c, h, w]` becomes `c*h*w` with `w` fastest.
    Flatten,
    /// PyTorch `Dropout(rate)`: inverted dropout, identity at inference.
    Dropout {
        rate: f32,
    },
    Relu,
    Sigmoid,
    Tanh,
}

fn valid() -> Padding {
    Padding::Valid
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
        if self.input.is_empty() || self.input.iter().product::<usize>() != IMAGE_PIXELS {
            return Err(Error::Spec(format!(
                "input {:?} must hold 784 pixels ([784] or [1, 28, 28])",
                self.input
            )));
        }
        if self.layers.is_empty() {
            return Err(Error::Spec("the model has no layers".into()));
        }
        let mut shape = self.input.clone();
        let mut out = Vec::with_capacity(self.layers.len());
        for (i, layer) in self.layers.iter().enumerate() {
            let bad = |msg: String| Error::Spec(format!("layer {i} ({layer:?}): {msg}"));
            shape = match *layer {
                LayerSpec::Dense { units } => {
                    if shape.len() != 1 {
                        return Err(bad(format!(
                            "dense needs a flat input, got {shape:?}; add a flatten layer"
                        )));
                    }
                    if units == 0 || units > 4096 {
                        return Err(bad("units must be between 1 and 4096".into()));
                    }
                    vec![units]
                }
                LayerSpec::Conv2d {
                    filters,
                    kernel,
                    padding,
                } => {
                    let [c, h, w] = shape[..] else {
                        return Err(bad(format!(
                            "conv2d needs a [channels, height, width] input, got {shape:?}"
                        )));
                    };
                    if filters == 0 || filters > 512 || kernel == 0 || kernel > 11 {
                        return Err(bad("filters must be 1..=512 and kernel 1..=11".into()));
                    }
                    if padding == Padding::Same && kernel % 2 == 0 {
                        return Err(bad("'same' padding needs an odd kernel".into()));
                    }
                    match padding {
                        Padding::Same => vec![filters, h, w],
                        Padding::Valid if h >= kernel && w >= kernel => {
                            let _ = c;
                            vec![filters, h - kernel + 1, w - kernel + 1]
                        }
                        Padding::Valid => {
                            return Err(bad(format!(
                                "kernel {kernel} is larger than the {h}x{w} input"
                            )))
                        }
                    }
                }
                LayerSpec::MaxPool2d { size } => {
                    let [c, h, w] = shape[..] else {
                        return Err(bad(format!(
                            "max_pool2d needs a [channels, height, width] input, got {shape:?}"
                        )));
                    };
                    if size == 0 || size > h || size > w {
                        return Err(bad(format!(
                            "pool size {size} does not fit the {h}x{w} input"
                        )));
                    }
                    vec![c, h / size, w / size]
                }
                LayerSpec::Flatten => vec![shape.iter().product()],
                LayerSpec::Dropout { rate } => {
                    if !(0.0..1.0).contains(&rate) {
                        return Err(bad("dropout rate must be in [0, 1)".into()));
                    }
                    shape
                }
                LayerSpec::Relu | LayerSpec::Sigmoid | LayerSpec::Tanh => shape,
            };
            out.push(shape.clone());
        }
        if shape != [CLASSES] {
            return Err(Error::Spec(format!(
                "the last layer must output [10] (one per digit), got {shape:?}"
            )));
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

    /// Names and shapes of every parameter tensor, in state_dict order.
    pub fn param_shapes(&self) -> Result<Vec<(String, Vec<usize>)>> {
        let shapes = self.shapes()?;
        let mut params = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            let input = self.input_shape(&shapes, i);
            match *layer {
                LayerSpec::Dense { units } => {
                    params.push((format!("{i}.weight"), vec![units, input[0]]));
                    params.push((format!("{i}.bias"), vec![units]));
                }
                LayerSpec::Conv2d {
                    filters, kernel, ..
                } => {
                    params.push((
                        format!("{i}.weight"),
                        vec![filters, input[0], kernel, kernel],
                    ));
                    params.push((format!("{i}.bias"), vec![filters]));
                }
                _ => {}
            }
        }
        Ok(params)
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
        match self.layers.get(i + 1)? {
            LayerSpec::Relu => Some(Activation::Relu),
            LayerSpec::Sigmoid => Some(Activation::Sigmoid),
            LayerSpec::Tanh => Some(Activation::Tanh),
            _ => None,
        }
    }
}
