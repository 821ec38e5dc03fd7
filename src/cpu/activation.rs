//! Elementwise activations. Backward takes the forward *output* `y` (all three derivatives are
//! cheap functions of it), so no pre-activation copy has to be kept.
use crate::spec::Activation;

/// `y = f(x)` elementwise (overwrites `y`).
pub fn activation_forward(kind: Activation, y: &mut [f32], x: &[f32]) {
    // One loop per kind (not a function pointer) so each loop can be vectorised.
    let pairs = y.iter_mut().zip(x);
    match kind {
        Activation::Relu => pairs.for_each(|(o, &v)| *o = v.max(0.0)),
        Activation::Sigmoid => pairs.for_each(|(o, &v)| *o = 1.0 / (1.0 + (-v).exp())),
        Activation::Tanh => pairs.for_each(|(o, &v)| *o = v.tanh()),
    }
}

/// `dx = dy * f'(x)` written in terms of `y = f(x)`: relu `y > 0`, sigmoid `y (1 - y)`,
/// tanh `1 - y^2` (overwrites `dx`). ReLU's derivative at 0 is taken as 0, like PyTorch.
pub fn activation_backward(kind: Activation, dx: &mut [f32], y: &[f32], dy: &[f32]) {
    let triples = dx.iter_mut().zip(y).zip(dy);
    match kind {
        Activation::Relu => triples.for_each(|((d, &y), &g)| *d = if y > 0.0 { g } else { 0.0 }),
        Activation::Sigmoid => triples.for_each(|((d, &y), &g)| *d = g * y * (1.0 - y)),
        Activation::Tanh => triples.for_each(|((d, &y), &g)| *d = g * (1.0 - y * y)),
    }
}
