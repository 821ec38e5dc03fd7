//! Seeded weight initialisation, done once on the CPU so every backend starts from identical weights.
use crate::error::Result;
use crate::spec::{Activation, ModelSpec};
use crate::tensor::{Param, Tensor};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// He-uniform for layers followed by ReLU, Xavier (Glorot) uniform otherwise; biases start at zero.
pub fn init_params(spec: &ModelSpec, seed: u64) -> Result<Vec<Param>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut params = Vec::new();
    for (name, shape) in spec.param_shapes()? {
        let n: usize = shape.iter().product();
        let data = if name.ends_with(".bias") {
            vec![0.0; n]
        } else {
            let layer: usize = name.split('.').next().unwrap_or("0").parse().unwrap_or(0);
            let fan_out = shape[0] * shape[2..].iter().product::<usize>();
            let fan_in = n / shape[0];
            let limit = match spec.activation_after(layer) {
                Some(Activation::Relu) => (6.0 / fan_in as f64).sqrt(),
                _ => (6.0 / (fan_in + fan_out) as f64).sqrt(),
            } as f32;
            (0..n)
                .map(|_| (uniform01(&mut rng) * 2.0 - 1.0) * limit)
                .collect()
        };
        params.push(Param {
            name,
            tensor: Tensor::new(shape, data)?,
        });
    }
    Ok(params)
}

/// A uniform float in [0, 1) from the top 24 bits (exactly representable in f32).
fn uniform01(rng: &mut ChaCha8Rng) -> f32 {
    (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32
}
