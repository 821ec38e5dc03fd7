//! The CPU forward pass on int8 weights (W8A32): weights stay `i8` in memory and are widened to
//! f32 one at a time as they are used; activations stay f32 (no activation quantization, so no
//! calibration set is needed). The per-channel scale is applied once per output, after the
//! accumulation: `y[o] = scale[o] * sum_i q[o, i] * x[i] + bias[o]`.
//!
//! Both layers are written as "one weight times a contiguous row of activations" ([`axpy_i8`]):
//! each widened weight is used for a whole row (all images of a chunk, or all output pixels of a
//! filter), the row loop vectorises on any target, and zero weights (pruned) are skipped.
//! Convolution goes through im2col (`cols [c_in*k*k, out_h*out_w]`, the same layout as
//! [`crate::cpu::conv2d_forward`]). Pooling and activations are the float reference functions.
use super::int8::QuantizedModel;
use crate::cpu::{activation_forward, maxpool2d_forward, Conv2dDims};
use crate::error::{Error, Result};
use crate::spec::{Activation, LayerSpec, Padding, CLASSES, IMAGE_PIXELS};

/// `acc += q * x` over a row; a zero weight (pruned) costs nothing.
pub fn axpy_i8(acc: &mut [f32], q: i8, x: &[f32]) {
    if q == 0 {
        return;
    }
    let w = q as f32;
    for (a, &v) in acc.iter_mut().zip(x) {
        *a += w * v;
    }
}

/// `y[b, o] = scale[o] * sum_i q[o, i] * x[b, i] + bias[o]` (overwrites `y`).
#[allow(clippy::too_many_arguments)]
pub fn dense_forward_int8(
    y: &mut [f32],
    x: &[f32],
    q: &[i8],
    scales: &[f32],
    bias: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) {
    // Transposed input `[n_in, batch]`, so the batch is the contiguous row each weight scales.
    let mut xt = vec![0.0f32; n_in * batch];
    for b in 0..batch {
        for i in 0..n_in {
            xt[i * batch + b] = x[b * n_in + i];
        }
    }
    let mut acc = vec![0.0f32; batch];
    for o in 0..n_out {
        acc.fill(0.0);
        for (i, &w) in q[o * n_in..(o + 1) * n_in].iter().enumerate() {
            axpy_i8(&mut acc, w, &xt[i * batch..(i + 1) * batch]);
        }
        for (b, a) in acc.iter().enumerate() {
            y[b * n_out + o] = scales[o] * a + bias[o];
        }
    }
}

/// `cols[(c*k + ky)*k + kx, oy*out_w + ox] = x[c, oy + ky - pad, ox + kx - pad]`, 0 outside.
fn im2col(cols: &mut [f32], x: &[f32], d: &Conv2dDims) {
    let (oh, ow, k) = (d.out_h(), d.out_w(), d.kernel);
    for c in 0..d.in_channels {
        for ky in 0..k {
            for kx in 0..k {
                let row = (c * k + ky) * k + kx;
                for oy in 0..oh {
                    let iy = (oy + ky) as isize - d.pad as isize;
                    for ox in 0..ow {
                        let ix = (ox + kx) as isize - d.pad as isize;
                        let inside = iy >= 0
                            && ix >= 0
                            && (iy as usize) < d.height
                            && (ix as usize) < d.width;
                        cols[(row * oh + oy) * ow + ox] = if inside {
                            x[(c * d.height + iy as usize) * d.width + ix as usize]
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
    }
}

/// The int8 twin of [`crate::cpu::conv2d_forward`]: same layouts, `q [filters, c_in, k, k]`.
pub fn conv2d_forward_int8(
    y: &mut [f32],
    x: &[f32],
    q: &[i8],
    scales: &[f32],
    bias: &[f32],
    d: &Conv2dDims,
) {
    let patch = d.in_channels * d.kernel * d.kernel;
    let spatial = d.out_h() * d.out_w();
    let in_plane = d.in_channels * d.height * d.width;
    let mut cols = vec![0.0f32; patch * spatial];
    let mut acc = vec![0.0f32; spatial];
    for b in 0..d.batch {
        im2col(&mut cols, &x[b * in_plane..(b + 1) * in_plane], d);
        let yb = &mut y[b * d.filters * spatial..(b + 1) * d.filters * spatial];
        for (f, plane) in yb.chunks_exact_mut(spatial).enumerate() {
            acc.fill(0.0);
            for (p, &w) in q[f * patch..(f + 1) * patch].iter().enumerate() {
                axpy_i8(&mut acc, w, &cols[p * spatial..(p + 1) * spatial]);
            }
            for (out, a) in plane.iter_mut().zip(&acc) {
                *out = scales[f] * a + bias[f];
            }
        }
    }
}

/// Images per forward pass in [`QuantizedModel::logits`] (bounds the buffers' memory).
const CHUNK: usize = 64;

impl QuantizedModel {
    /// Logits (`n * 10`) for `n` images of 784 values in [0, 1], computed on the int8 weights.
    pub fn logits(&self, images: &[f32]) -> Result<Vec<f32>> {
        if !images.len().is_multiple_of(IMAGE_PIXELS) {
            return Err(Error::Shape(format!(
                "{} values are not whole 784-pixel images",
                images.len()
            )));
        }
        let shapes = self.spec.shapes()?;
        let mut out = Vec::with_capacity(images.len() / IMAGE_PIXELS * CLASSES);
        for chunk in images.chunks(CHUNK * IMAGE_PIXELS) {
            let n = chunk.len() / IMAGE_PIXELS;
            let mut x = chunk.to_vec();
            let mut next = 0;
            for (i, layer) in self.spec.layers.iter().enumerate() {
                let input = self.spec.input_shape(&shapes, i);
                let mut y = vec![0.0f32; n * shapes[i].iter().product::<usize>()];
                match *layer {
                    LayerSpec::Dense { units } => {
                        let (w, b) = (&self.weights[next], &self.biases[next].tensor.data);
                        dense_forward_int8(&mut y, &x, &w.q, &w.scales, b, n, input[0], units);
                        next += 1;
                    }
                    LayerSpec::Conv2d {
                        filters,
                        kernel,
                        padding,
                    } => {
                        let (w, b) = (&self.weights[next], &self.biases[next].tensor.data);
                        let pad = if padding == Padding::Same {
                            kernel / 2
                        } else {
                            0
                        };
                        let d = Conv2dDims {
                            batch: n,
                            in_channels: input[0],
                            height: input[1],
                            width: input[2],
                            filters,
                            kernel,
                            pad,
                        };
                        conv2d_forward_int8(&mut y, &x, &w.q, &w.scales, b, &d);
                        next += 1;
                    }
                    LayerSpec::MaxPool2d { size } => {
                        let mut argmax = vec![0u32; y.len()];
                        maxpool2d_forward(
                            &mut y,
                            &mut argmax,
                            &x,
                            n * input[0],
                            input[1],
                            input[2],
                            size,
                        );
                    }
                    // Dropout is the identity at inference; flatten is a no-op in NCHW order.
                    LayerSpec::Flatten | LayerSpec::Dropout { .. } => y.copy_from_slice(&x),
                    LayerSpec::Relu => activation_forward(Activation::Relu, &mut y, &x),
                    LayerSpec::Sigmoid => activation_forward(Activation::Sigmoid, &mut y, &x),
                    LayerSpec::Tanh => activation_forward(Activation::Tanh, &mut y, &x),
                }
                x = y;
            }
            out.extend_from_slice(&x);
        }
        Ok(out)
    }
}
