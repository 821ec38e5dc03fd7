//! Inverted dropout: during training each element is kept with probability `1 - rate` and scaled
//! by `1 / (1 - rate)`; at inference the layer is the identity. The mask is not stored: it is
//! recomputed from [`dropout_keep`]`(seed, layer, index)` where `index` is the element's position in
//! the layer's `[batch, ...]` output, so every backend draws exactly the same mask.
use crate::backend::dropout_keep;

/// The multiplier applied to element `index`: `1 / (1 - rate)` if kept, else 0.
pub fn dropout_scale(seed: u32, layer: u32, index: usize, rate: f32) -> f32 {
    if dropout_keep(seed, layer, index as u32, rate) {
        1.0 / (1.0 - rate)
    } else {
        0.0
    }
}

/// `y[i] = x[i] * scale(i)` (overwrites `y`). `layer` is the layer's index in the spec.
pub fn dropout_forward(y: &mut [f32], x: &[f32], seed: u32, layer: u32, rate: f32) {
    for (i, (o, &v)) in y.iter_mut().zip(x).enumerate() {
        *o = v * dropout_scale(seed, layer, i, rate);
    }
}

/// `dx[i] = dy[i] * scale(i)` with the same mask as the forward pass (overwrites `dx`).
pub fn dropout_backward(dx: &mut [f32], dy: &[f32], seed: u32, layer: u32, rate: f32) {
    dropout_forward(dx, dy, seed, layer, rate);
}

/// [`dropout_forward`] on a slice of a larger batch whose element 0 is element `offset` of the
/// whole batch's output: the mask is the one the whole batch would draw (data-parallel parts).
pub fn dropout_forward_at(
    y: &mut [f32],
    x: &[f32],
    seed: u32,
    layer: u32,
    rate: f32,
    offset: usize,
) {
    for (i, (o, &v)) in y.iter_mut().zip(x).enumerate() {
        *o = v * dropout_scale(seed, layer, offset + i, rate);
    }
}
