//! Elementwise activations. Backward takes the forward *output* `y` (all three derivatives are
//! cheap functions of it), so no pre-activation copy has to be kept.
use crate::spec::Activation;

/// `y = f(x)` elementwise (overwrites `y`).
pub fn activation_forward(kind: Activation, y: &mut [f32], x: &[f32]) {
    // One loop per kind (not a function pointer) so each loop can be vectorised.
    let pairs = y.iter_mut().zip(x);
    match kind {
        Activation::Relu => pairs.for_each(|(o, &v)| *o = v.max(0.0)),
        // sigmoid(x) = (1 + tanh(x / 2)) / 2: the same vectorised rational function, within
        // 2.1e-7 of the exact value (an `exp` per element is a libm call in wasm).
        Activation::Sigmoid => pairs.for_each(|(o, &v)| *o = 0.5 + 0.5 * tanh(0.5 * v)),
        Activation::Tanh => pairs.for_each(|(o, &v)| *o = tanh(v)),
    }
}

/// tanh as a rational function (Eigen's `generic_fast_tanh_float`): within 4.1e-7 of the exact
/// value over all of f32 (tests/cpu_activation_tanh.rs), a few ulp. `f32::tanh` is a libm call
/// per element (~35 ns in wasm, where it made the plane's 48 x 48 neuron maps of a 6 x 8 tanh
/// net cost 8 ms a frame, ten times the ReLU net's); this is branch-free, so the loop vectorises.
#[inline]
pub fn tanh(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    const A: [f32; 7] = [
        4.893_524_6e-3,
        6.372_619_3e-4,
        1.485_722_4e-5,
        5.122_297e-8,
        -8.604_672e-11,
        2.000_188e-13,
        -2.760_768_5e-16,
    ];
    const B: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347e-4, 1.198_258_4e-6];
    let c = x.clamp(-CLAMP, CLAMP);
    let x2 = c * c;
    let mut p = A[6];
    for &a in A[..6].iter().rev() {
        p = x2 * p + a;
    }
    let q = ((x2 * B[3] + B[2]) * x2 + B[1]) * x2 + B[0];
    // Near 0 the quotient loses relative accuracy; tanh(x) is x there to f32 precision.
    if x.abs() < 4e-4 {
        x
    } else {
        c * p / q
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
