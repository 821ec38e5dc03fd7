//! Seeded weight initialisation, done once on the CPU so every backend starts from identical weights.
//! What each tensor gets is its layer's [`Init`] fact; only the drawing happens here.
use crate::error::Result;
use crate::spec::{Activation, Init, Io, ModelSpec};
use crate::tensor::{Param, Tensor};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Every parameter tensor of `spec` in state_dict order, drawn from one ChaCha8 stream seeded with
/// `seed` in that order (constant tensors draw nothing).
pub fn init_params(spec: &ModelSpec, seed: u64) -> Result<Vec<Param>> {
    init_params_for(spec, Io::MNIST, seed)
}

/// [`init_params`] for a model checked against `io` (the plane's small inputs).
pub fn init_params_for(spec: &ModelSpec, io: Io, seed: u64) -> Result<Vec<Param>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut params = Vec::new();
    for p in spec.param_facts_for(io)? {
        let shape = p.fact.shape;
        let n: usize = shape.iter().product();
        let data = match p.fact.init {
            Init::Constant(c) => vec![c; n],
            Init::FanUniform => {
                let fan_out = shape[0] * shape[2..].iter().product::<usize>();
                let fan_in = n / shape[0];
                let limit = match spec.activation_after(p.layer) {
                    Some(Activation::Relu) => (6.0 / fan_in as f64).sqrt(),
                    _ => (6.0 / (fan_in + fan_out) as f64).sqrt(),
                } as f32;
                (0..n)
                    .map(|_| (uniform01(&mut rng) * 2.0 - 1.0) * limit)
                    .collect()
            }
        };
        params.push(Param {
            name: p.name,
            tensor: Tensor::new(shape, data)?,
        });
    }
    Ok(params)
}

/// A uniform float in [0, 1) from the top 24 bits (exactly representable in f32).
fn uniform01(rng: &mut ChaCha8Rng) -> f32 {
    (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{LayerSpec, Padding};

    /// The init as it was before layers described their parameters: biases found by their
    /// `.bias` suffix, the layer index parsed out of the name. Kept here only to show the
    /// fact-driven init draws bit-identical weights.
    fn init_by_names(spec: &ModelSpec, seed: u64) -> Vec<Param> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut params = Vec::new();
        for (name, shape) in spec.param_shapes().unwrap() {
            let n: usize = shape.iter().product();
            let data = if name.ends_with(".bias") {
                vec![0.0; n]
            } else {
                let layer: usize = name.split('.').next().unwrap().parse().unwrap();
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
                tensor: Tensor::new(shape, data).unwrap(),
            });
        }
        params
    }

    #[test]
    fn fact_driven_init_is_bit_identical_to_the_name_driven_one() {
        use LayerSpec::*;
        let every_kind = ModelSpec {
            input: vec![1, 28, 28],
            layers: vec![
                Conv2d {
                    filters: 4,
                    kernel: 3,
                    padding: Padding::Same,
                },
                Tanh,
                MaxPool2d { size: 2 },
                Conv2d {
                    filters: 6,
                    kernel: 5,
                    padding: Padding::Valid,
                },
                Relu,
                Flatten,
                Dropout { rate: 0.25 },
                Dense { units: 20 },
                Sigmoid,
                Dense { units: 10 },
            ],
            loss: crate::spec::Loss::Mse,
        };
        for spec in [ModelSpec::mlp(), ModelSpec::cnn(), every_kind] {
            for seed in [0, 1, 42] {
                let new = init_params(&spec, seed).unwrap();
                let old = init_by_names(&spec, seed);
                assert_eq!(new.len(), old.len());
                for (a, b) in new.iter().zip(&old) {
                    assert_eq!(a.name, b.name);
                    assert_eq!(a.tensor.shape, b.tensor.shape);
                    let bits = |p: &Param| p.tensor.data.iter().map(|v| v.to_bits()).collect();
                    let (x, y): (Vec<u32>, Vec<u32>) = (bits(a), bits(b));
                    assert!(x == y, "{} differs for seed {seed}", a.name);
                }
            }
        }
    }
}
