//! The network as a sequence of explicit forward/backward calls over preallocated buffers.
//! No graph and no autograd: layer `i` reads layer `i - 1`'s output, and backward walks the
//! layers in reverse, handing each one the gradient of its output.
use super::activation::{activation_backward, activation_forward};
use super::conv::{
    conv2d_backward, conv2d_backward_from, conv2d_forward, conv2d_relu_maxpool_forward, Conv2dDims,
    OutputGrad,
};
use super::dense::{dense_backward, dense_forward};
use super::dropout::dropout_forward_at;
use super::loss::{mse_one_hot, softmax_cross_entropy, LossResult};
use super::pool::{maxpool2d_backward, maxpool2d_forward, maxpool2d_relu_backward};
use super::winograd;
pub use super::workspace::Workspace;
use crate::error::{Error, Result};
use crate::spec::{Io, LayerSpec, Loss, ModelSpec};
use crate::tensor::Param;

/// A validated spec with its parameters, stored in state_dict order.
#[derive(Clone, Debug)]
pub struct Model {
    pub spec: ModelSpec,
    /// Output shape of every layer, without the batch dimension.
    pub shapes: Vec<Vec<usize>>,
    pub params: Vec<Param>,
    /// For each layer, the index in `params` of its first tensor (the rest follow it, in the
    /// order its [`LayerSpec::params`] lists them); `None` for a layer without parameters.
    pub first_param: Vec<Option<usize>>,
    /// Input and output widths: MNIST's, or a point's features and classes (src/points/).
    pub io: Io,
    /// Whether a training workspace's fused blocks run as Winograd where it applies
    /// ([`winograd::applies`]). Off, every convolution is direct: the reference the GPU tests
    /// hold the GPU to ([`super::CpuBackend::reference`]), since Winograd sums in another order.
    pub winograd: bool,
}

/// Images per forward pass in [`Model::logits`].
const LOGITS_CHUNK: usize = 64;

impl Model {
    pub fn new(spec: &ModelSpec, params: &[Param]) -> Result<Self> {
        Self::with_io(spec, params, Io::MNIST)
    }

    /// A model whose input and output widths are `io`'s rather than MNIST's.
    pub fn with_io(spec: &ModelSpec, params: &[Param], io: Io) -> Result<Self> {
        let shapes = spec.shapes_for(io)?;
        let facts = spec.param_facts_for(io)?;
        let first_param = (0..spec.layers.len())
            .map(|i| facts.iter().position(|p| p.layer == i))
            .collect();
        let params = order_params_for(spec, io, params)?;
        Ok(Self {
            spec: spec.clone(),
            shapes,
            params,
            first_param,
            io,
            winograd: true,
        })
    }

    fn in_shape(&self, i: usize) -> Vec<usize> {
        self.spec.input_shape(&self.shapes, i)
    }

    fn conv_dims(&self, i: usize, n: usize) -> Conv2dDims {
        let LayerSpec::Conv2d {
            filters,
            kernel,
            padding,
        } = self.spec.layers[i]
        else {
            unreachable!("layer {i} is a conv2d")
        };
        let input = self.in_shape(i);
        Conv2dDims {
            batch: n,
            in_channels: input[0],
            height: input[1],
            width: input[2],
            filters,
            kernel,
            pad: LayerSpec::conv_pad(kernel, padding),
        }
    }

    /// Runs every layer on `ws.input`. `dropout_seed` is `Some` in training (dropout active) and
    /// `None` at inference (dropout is the identity).
    pub fn forward(&self, ws: &mut Workspace, dropout_seed: Option<u32>) {
        self.forward_at(ws, dropout_seed, 0);
    }

    /// [`Model::forward`] on samples `first..first + ws.n` of a larger batch: dropout draws the
    /// mask of those samples' positions in the whole batch, so a batch split into parts (one
    /// per worker) sees the same masks as the whole batch in one pass.
    pub fn forward_at(&self, ws: &mut Workspace, dropout_seed: Option<u32>, first: usize) {
        let n = ws.n;
        for (i, layer) in self.spec.layers.iter().enumerate() {
            if Self::inside_fused(&ws.fused, i) {
                continue; // done with the convolution below it
            }
            if ws.fused[i] {
                self.fused_forward(ws, i);
                continue;
            }
            let (before, rest) = ws.acts.split_at_mut(i);
            let x: &[f32] = if i == 0 { &ws.input } else { &before[i - 1] };
            let y = &mut rest[0];
            match *layer {
                LayerSpec::Dense { units } => {
                    let w = self.first_param[i].expect("dense has a weight");
                    let (weight, bias) =
                        (&self.params[w].tensor.data, &self.params[w + 1].tensor.data);
                    dense_forward(y, x, weight, bias, n, self.in_shape(i)[0], units);
                }
                LayerSpec::Conv2d { .. } => {
                    let w = self.first_param[i].expect("conv2d has a weight");
                    let (weight, bias) =
                        (&self.params[w].tensor.data, &self.params[w + 1].tensor.data);
                    conv2d_forward(y, x, weight, bias, &self.conv_dims(i, n));
                }
                LayerSpec::MaxPool2d { size } => {
                    let s = self.in_shape(i);
                    maxpool2d_forward(y, &mut ws.argmax[i], x, n * s[0], s[1], s[2], size);
                }
                LayerSpec::Flatten => y.copy_from_slice(x),
                LayerSpec::Dropout { rate } => match dropout_seed {
                    Some(seed) => {
                        let offset = first * y.len() / n;
                        dropout_forward_at(y, x, seed, i as u32, rate, offset)
                    }
                    None => y.copy_from_slice(x),
                },
                LayerSpec::Relu | LayerSpec::Sigmoid | LayerSpec::Tanh => {
                    activation_forward(layer.activation().expect("activation"), y, x)
                }
            }
        }
    }

    /// The fused convolution `i`, ReLU `i + 1` and max-pool `i + 2`: into the pool's output.
    fn fused_forward(&self, ws: &mut Workspace, i: usize) {
        let LayerSpec::MaxPool2d { size } = self.spec.layers[i + 2] else {
            unreachable!("a fused block ends in a pool")
        };
        let w = self.first_param[i].expect("conv2d has a weight");
        let (weight, bias) = (&self.params[w].tensor.data, &self.params[w + 1].tensor.data);
        let d = self.conv_dims(i, ws.n);
        let (below, above) = ws.acts.split_at_mut(i + 2);
        let x: &[f32] = if i == 0 { &ws.input } else { &below[i - 1] };
        let (pooled, argmax) = (&mut above[0], &mut ws.argmax[i + 2]);
        if self.winograd && winograd::applies(&d, size) {
            winograd::conv3x3_relu_pool2_forward(pooled, argmax, x, weight, bias, &d);
        } else {
            conv2d_relu_maxpool_forward(pooled, argmax, x, weight, bias, &d, size);
        }
    }

    /// Inference logits (`n * 10`) for `n` images of 784 values in [0, 1], in chunks of 64 so
    /// the buffers stay small whatever `n` is.
    pub fn logits(&self, images: &[f32]) -> Result<Vec<f32>> {
        let Io { inputs, outputs } = self.io;
        if !images.len().is_multiple_of(inputs) {
            return Err(Error::Shape(format!(
                "{} values are not whole {inputs}-value inputs",
                images.len()
            )));
        }
        let mut out = Vec::with_capacity(images.len() / inputs * outputs);
        let mut ws = self.workspace(LOGITS_CHUNK);
        for chunk in images.chunks(LOGITS_CHUNK * inputs) {
            let m = chunk.len() / inputs;
            if ws.n != m {
                ws = self.workspace(m);
            }
            ws.input.copy_from_slice(chunk);
            self.forward(&mut ws, None);
            out.extend_from_slice(ws.acts.last().expect("a model has layers"));
        }
        Ok(out)
    }

    /// The loss of the last forward pass against `ws.labels`; leaves its gradient in `ws.grad_out`.
    pub fn loss(&self, ws: &mut Workspace) -> LossResult {
        let logits = ws.acts.last().expect("a model has layers");
        let dlogits = &mut ws.grad_out[..ws.n * self.io.outputs];
        match self.spec.loss {
            Loss::SoftmaxCrossEntropy => softmax_cross_entropy(dlogits, logits, &ws.labels),
            Loss::Mse => mse_one_hot(dlogits, logits, &ws.labels),
        }
    }

    /// Backpropagates the gradient [`Model::loss`] left in `ws.grad_out` through every layer,
    /// writing each parameter's gradient into `grads` (state_dict order). `dropout_seed` must be
    /// the one the forward pass used.
    pub fn backward(&self, ws: &mut Workspace, grads: &mut [Vec<f32>], dropout_seed: Option<u32>) {
        self.backward_at(ws, grads, dropout_seed, 0);
    }

    /// [`Model::backward`] for a [`Model::forward_at`] pass over samples `first..first + ws.n`.
    pub fn backward_at(
        &self,
        ws: &mut Workspace,
        grads: &mut [Vec<f32>],
        dropout_seed: Option<u32>,
        first: usize,
    ) {
        self.backward_layers(ws, grads, dropout_seed, first, None);
    }

    /// The gradient of the loss gradient's dot product with the logits with respect to the
    /// input: after a forward pass (no dropout) and `ws.grad_out[..n * 10]` set to `dY` (e.g. a
    /// one-hot on a target logit), leaves `d(dY . logits)/d(input)` in `ws.grad_out[..n * 784]`.
    /// Training's backward skips layer 0's input gradient; this is the same pass with it on.
    /// `grads` receives the parameter gradients as a by-product.
    pub fn input_gradient(&self, ws: &mut Workspace, grads: &mut [Vec<f32>]) {
        self.input_gradient_from(ws, grads, self.spec.layers.len() - 1);
    }

    /// [`Model::input_gradient`] from layer `top`'s output: `ws.grad_out[..len of acts[top]]`
    /// holds `dY` for that layer (what a unit wants: a one-hot on the unit).
    pub fn input_gradient_from(&self, ws: &mut Workspace, grads: &mut [Vec<f32>], top: usize) {
        self.backward_layers(ws, grads, None, 0, Some(top));
    }

    /// Layer `i - 1` is a ReLU whose input gradient is wanted (layer 0's only for saliency).
    fn relu_below_wants_grad(&self, i: usize, input_grad: bool) -> bool {
        i >= 1 && matches!(self.spec.layers[i - 1], LayerSpec::Relu) && (i - 1 > 0 || input_grad)
    }

    fn backward_layers(
        &self,
        ws: &mut Workspace,
        grads: &mut [Vec<f32>],
        dropout_seed: Option<u32>,
        first: usize,
        input_grad_from: Option<usize>,
    ) {
        let n = ws.n;
        let input_grad = input_grad_from.is_some();
        let top = input_grad_from.unwrap_or(self.spec.layers.len() - 1);
        // Set by a pool whose pass also did the ReLU below it: that ReLU's input gradient is
        // already in grad_out, so its own step (and swap) is skipped.
        let mut relu_done = false;
        assert!(
            !(ws.fused[top] || (top >= 1 && ws.fused[top - 1])),
            "a backward pass starts above a fused block, never inside it"
        );
        for (i, layer) in self.spec.layers.iter().enumerate().take(top + 1).rev() {
            if std::mem::take(&mut relu_done) || Self::inside_fused(&ws.fused, i) {
                continue;
            }
            let out_len = ws.acts[i].len();
            let in_len = n * self.in_shape(i).iter().product::<usize>();
            let x: &[f32] = if i == 0 { &ws.input } else { &ws.acts[i - 1] };
            let y = &ws.acts[i];
            let dy = &ws.grad_out[..out_len];
            // Layer 0's input is the image: only saliency and its kin need its gradient.
            let dx = (i > 0 || input_grad).then(|| &mut ws.grad_in[..in_len]);
            match *layer {
                LayerSpec::Dense { units } => {
                    let w = self.first_param[i].expect("dense has a weight");
                    let (gw, gb) = two_mut(grads, w);
                    let weight = &self.params[w].tensor.data;
                    dense_backward(dx, gw, gb, dy, x, weight, n, self.in_shape(i)[0], units);
                }
                LayerSpec::Conv2d { .. } if ws.fused[i] => {
                    let w = self.first_param[i].expect("conv2d has a weight");
                    let (gw, gb) = two_mut(grads, w);
                    let weight = &self.params[w].tensor.data;
                    let (pooled, argmax) = (&ws.acts[i + 2], &ws.argmax[i + 2]);
                    let dy = &ws.grad_out[..pooled.len()];
                    let d = self.conv_dims(i, n);
                    let LayerSpec::MaxPool2d { size } = self.spec.layers[i + 2] else {
                        unreachable!("a fused block ends in a pool")
                    };
                    if self.winograd && winograd::applies(&d, size) {
                        winograd::conv3x3_relu_pool2_backward(
                            dx, gw, gb, dy, argmax, pooled, x, weight, &d,
                        );
                    } else {
                        let dy = OutputGrad::ReluPool { dy, argmax, pooled };
                        conv2d_backward_from(dx, gw, gb, dy, x, weight, &d);
                    }
                }
                LayerSpec::Conv2d { .. } => {
                    let w = self.first_param[i].expect("conv2d has a weight");
                    let (gw, gb) = two_mut(grads, w);
                    let weight = &self.params[w].tensor.data;
                    conv2d_backward(dx, gw, gb, dy, x, weight, &self.conv_dims(i, n));
                }
                _ if dx.is_none() => {}
                LayerSpec::MaxPool2d { .. } if self.relu_below_wants_grad(i, input_grad) => {
                    // x is the ReLU's output: its backward goes into the same pass.
                    maxpool2d_relu_backward(dx.expect("dx is wanted"), dy, &ws.argmax[i], x);
                    relu_done = true;
                }
                LayerSpec::MaxPool2d { .. } => {
                    maxpool2d_backward(dx.expect("dx is wanted"), dy, &ws.argmax[i])
                }
                LayerSpec::Flatten => dx.expect("dx is wanted").copy_from_slice(dy),
                LayerSpec::Dropout { rate } => {
                    let dx = dx.expect("dx is wanted");
                    match dropout_seed {
                        Some(seed) => {
                            let offset = first * dy.len() / n;
                            dropout_forward_at(dx, dy, seed, i as u32, rate, offset)
                        }
                        None => dx.copy_from_slice(dy),
                    }
                }
                LayerSpec::Relu | LayerSpec::Sigmoid | LayerSpec::Tanh => {
                    let dx = dx.expect("dx is wanted");
                    activation_backward(layer.activation().expect("activation"), dx, y, dy)
                }
            }
            std::mem::swap(&mut ws.grad_out, &mut ws.grad_in);
        }
    }
}

fn two_mut(grads: &mut [Vec<f32>], w: usize) -> (&mut [f32], &mut [f32]) {
    let (a, b) = grads[w..].split_at_mut(1);
    (&mut a[0], &mut b[0])
}

/// Checks `params` against the spec (every name once, right shape and length) and returns them
/// in state_dict order.
pub fn order_params(spec: &ModelSpec, params: &[Param]) -> Result<Vec<Param>> {
    order_params_for(spec, Io::MNIST, params)
}

/// [`order_params`] for a model checked against `io`.
pub fn order_params_for(spec: &ModelSpec, io: Io, params: &[Param]) -> Result<Vec<Param>> {
    let expected = spec.param_shapes_for(io)?;
    let mut out = Vec::with_capacity(expected.len());
    for (name, shape) in &expected {
        let mut found = params.iter().filter(|p| &p.name == name);
        let p = found
            .next()
            .ok_or_else(|| Error::Shape(format!("parameter '{name}' {shape:?} is missing")))?;
        if found.next().is_some() {
            return Err(Error::Shape(format!("parameter '{name}' is given twice")));
        }
        if &p.tensor.shape != shape {
            return Err(Error::Shape(format!(
                "parameter '{name}' has shape {:?}, the spec needs {shape:?}",
                p.tensor.shape
            )));
        }
        if p.tensor.data.len() != shape.iter().product::<usize>() {
            return Err(Error::Shape(format!(
                "parameter '{name}' holds {} values for shape {shape:?}",
                p.tensor.data.len()
            )));
        }
        out.push(p.clone());
    }
    if let Some(extra) = params
        .iter()
        .find(|p| !expected.iter().any(|(n, _)| n == &p.name))
    {
        return Err(Error::Shape(format!(
            "parameter '{}' is not part of this model",
            extra.name
        )));
    }
    Ok(out)
}
