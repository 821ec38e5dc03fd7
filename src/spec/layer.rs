//! One layer of a model spec and every fact about it that the rest of the crate needs: its kind
//! name, its output shape, its parameter tensors (PyTorch name suffix, shape, init rule, whether
//! int8 quantization and magnitude pruning apply) and whether it is an activation. Init, the int8
//! and pruning labs, the weights files, the CPU model and the GPU layout read these facts here
//! instead of matching on the layer kind or on tensor-name suffixes, so a new layer kind is
//! described once, in this file.
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

/// How a parameter tensor starts (see `crate::init`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Uniform in `[-limit, limit]` from the seeded stream: He (`sqrt(6 / fan_in)`) when the layer
    /// is followed by a ReLU, Xavier (`sqrt(6 / (fan_in + fan_out))`) otherwise, with
    /// `fan_in = len / shape[0]` and `fan_out = shape[0] * prod(shape[2..])` (PyTorch's fans).
    FanUniform,
    /// Every value `c` (0 for a bias; a BatchNorm scale would start at 1); draws nothing.
    Constant(f32),
}

/// One parameter tensor of a layer, as the layer describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamFact {
    /// The PyTorch state_dict suffix: the tensor is named `"{layer}.{suffix}"`.
    pub suffix: &'static str,
    /// The PyTorch shape; for a quantizable tensor, `shape[0]` is the output channel.
    pub shape: Vec<usize>,
    pub init: Init,
    /// The int8 lab stores it as int8 with one scale per `shape[0]` row; otherwise it stays f32.
    pub quantizable: bool,
    /// Magnitude pruning may zero its values; otherwise pruning leaves it alone.
    pub prunable: bool,
}

impl ParamFact {
    /// A matmul weight: fan-based init, quantized per output row, prunable.
    fn weight(shape: Vec<usize>) -> Self {
        Self {
            suffix: "weight",
            shape,
            init: Init::FanUniform,
            quantizable: true,
            prunable: true,
        }
    }

    /// A bias added after the product: zero at start, few values, kept f32 and never pruned.
    fn bias(len: usize) -> Self {
        Self {
            suffix: "bias",
            shape: vec![len],
            init: Init::Constant(0.0),
            quantizable: false,
            prunable: false,
        }
    }
}

impl LayerSpec {
    /// The kind's name as the spec JSON's `"type"` tag spells it (`"conv2d"`, `"max_pool2d"`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Conv2d { .. } => "conv2d",
            LayerSpec::MaxPool2d { .. } => "max_pool2d",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::Relu => "relu",
            LayerSpec::Sigmoid => "sigmoid",
            LayerSpec::Tanh => "tanh",
        }
    }

    /// The activation this layer applies, if it is one (and only then).
    pub fn activation(&self) -> Option<Activation> {
        match self {
            LayerSpec::Relu => Some(Activation::Relu),
            LayerSpec::Sigmoid => Some(Activation::Sigmoid),
            LayerSpec::Tanh => Some(Activation::Tanh),
            _ => None,
        }
    }

    /// Zero padding on each side of a convolution: `kernel / 2` for 'same', else 0.
    pub fn conv_pad(kernel: usize, padding: Padding) -> usize {
        match padding {
            Padding::Same => kernel / 2,
            Padding::Valid => 0,
        }
    }

    /// The output shape (without batch) for `input`, or why this layer cannot take it.
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        Ok(match *self {
            LayerSpec::Dense { units } => {
                if input.len() != 1 {
                    return Err(format!(
                        "dense needs a flat input, got {input:?}; add a flatten layer"
                    ));
                }
                if units == 0 || units > 4096 {
                    return Err("units must be between 1 and 4096".into());
                }
                vec![units]
            }
            LayerSpec::Conv2d {
                filters,
                kernel,
                padding,
            } => {
                let [_, h, w] = input[..] else {
                    return Err(format!(
                        "conv2d needs a [channels, height, width] input, got {input:?}"
                    ));
                };
                if filters == 0 || filters > 512 || kernel == 0 || kernel > 11 {
                    return Err("filters must be 1..=512 and kernel 1..=11".into());
                }
                if padding == Padding::Same && kernel % 2 == 0 {
                    return Err("'same' padding needs an odd kernel".into());
                }
                match padding {
                    Padding::Same => vec![filters, h, w],
                    Padding::Valid if h >= kernel && w >= kernel => {
                        vec![filters, h - kernel + 1, w - kernel + 1]
                    }
                    Padding::Valid => {
                        return Err(format!("kernel {kernel} is larger than the {h}x{w} input"))
                    }
                }
            }
            LayerSpec::MaxPool2d { size } => {
                let [c, h, w] = input[..] else {
                    return Err(format!(
                        "max_pool2d needs a [channels, height, width] input, got {input:?}"
                    ));
                };
                if size == 0 || size > h || size > w {
                    return Err(format!("pool size {size} does not fit the {h}x{w} input"));
                }
                vec![c, h / size, w / size]
            }
            LayerSpec::Flatten => vec![input.iter().product()],
            LayerSpec::Dropout { rate } => {
                if !(0.0..1.0).contains(&rate) {
                    return Err("dropout rate must be in [0, 1)".into());
                }
                input.to_vec()
            }
            LayerSpec::Relu | LayerSpec::Sigmoid | LayerSpec::Tanh => input.to_vec(),
        })
    }

    /// The layer's parameter tensors in PyTorch state_dict order, for an input of shape `input`
    /// (already checked by [`LayerSpec::output_shape`]).
    pub fn params(&self, input: &[usize]) -> Vec<ParamFact> {
        match *self {
            LayerSpec::Dense { units } => {
                vec![
                    ParamFact::weight(vec![units, input[0]]),
                    ParamFact::bias(units),
                ]
            }
            LayerSpec::Conv2d {
                filters, kernel, ..
            } => vec![
                ParamFact::weight(vec![filters, input[0], kernel, kernel]),
                ParamFact::bias(filters),
            ],
            LayerSpec::MaxPool2d { .. }
            | LayerSpec::Flatten
            | LayerSpec::Dropout { .. }
            | LayerSpec::Relu
            | LayerSpec::Sigmoid
            | LayerSpec::Tanh => Vec::new(),
        }
    }
}
