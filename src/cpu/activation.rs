//! Elementwise activations. Backward takes the forward *output* `y` (all three derivatives are
//! cheap functions of it), so no pre-activation copy has to be kept.
use crate::spec::Activation;

/// `y = f(x)` elementwise (overwrites `y`).
pub fn activation_forward(kind: Activation, y: &mut [f32], x: &[f32]) {
    let f = match kind {
        Activation::Relu => |v: f32| v.max(0.0),
        Activation::Sigmoid => |v: f32| 1.0 / (1.0 + (-v).exp()),
        Activation::Tanh => |v: f32| v.tanh(),
    };
    for (o, &v) in y.iter_mut().zip(x) {
        *o = f(v);
    }
}

/// `dx = dy * f'(x)` written in terms of `y = f(x)`: relu `y > 0`, sigmoid `y (1 - y)`,
/// tanh `1 - y^2` (overwrites `dx`). ReLU's derivative at 0 is taken as 0, like PyTorch.
pub fn activation_backward(kind: Activation, dx: &mut [f32], y: &[f32], dy: &[f32]) {
    let df = match kind {
        Activation::Relu => |y: f32| if y > 0.0 { 1.0 } else { 0.0 },
        Activation::Sigmoid => |y: f32| y * (1.0 - y),
        Activation::Tanh => |y: f32| 1.0 - y * y,
    };
    for ((d, &y), &g) in dx.iter_mut().zip(y).zip(dy) {
        *d = g * df(y);
    }
}
