//! A training workspace runs each convolution -> ReLU -> max-pool as one pass and keeps only the
//! pool's output; a plain workspace runs the three layers one after the other and keeps every
//! output. Both must give the same logits, loss and parameter gradients: bit for bit where the
//! fused pass is the direct convolution, to float rounding where a 3x3 convolution into a 2x2
//! pool runs as Winograd F(2x2, 3x3) (`cpu::winograd`, the CNN preset's second block).
//!
//! Runs natively and in Chromium on both wasm builds, where the CNN's first block is
//! `cpu::conv_one_channel`'s SIMD pass (`scripts/test.sh`).
use gradient_garden::cpu::model::Model;
use gradient_garden::init::init_params;
use gradient_garden::spec::{LayerSpec, Loss, ModelSpec, Padding};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

/// Forward, loss and backward on `ws`: the logits, the loss and every parameter's gradient.
fn step(
    model: &Model,
    mut ws: gradient_garden::cpu::model::Workspace,
) -> (Vec<f32>, f32, Vec<Vec<f32>>) {
    let seed = Some(17);
    model.forward(&mut ws, seed);
    let logits = ws.acts.last().unwrap().clone();
    let loss = model.loss(&mut ws).loss;
    let mut grads: Vec<Vec<f32>> = model
        .params
        .iter()
        .map(|p| vec![f32::NAN; p.tensor.len()])
        .collect();
    model.backward(&mut ws, &mut grads, seed);
    (logits, loss, grads)
}

/// How the fused step must match the layer-by-layer one.
#[derive(Clone, Copy, PartialEq)]
enum Match {
    Bits,
    /// Within this fraction of each tensor's largest magnitude.
    Rounding(f32),
}

fn fused_equals_unfused(spec: ModelSpec, n: usize, seed: u64, expect: Match) {
    let mut model = Model::new(&spec, &init_params(&spec, seed).unwrap()).unwrap();
    // Bit for bit is the direct convolution's promise (Winograd, where it applies, is not).
    model.winograd = expect != Match::Bits;
    // Noise with some exact zeros and negative pre-activations: ReLU-clamped winners and ties
    // inside pooling windows both occur.
    let input: Vec<f32> = (0..n * 784)
        .map(|i| {
            let v = ((i as f32 * 0.618 + seed as f32).sin() * 1.7).max(0.0);
            if i % 7 == 0 {
                0.0
            } else {
                v
            }
        })
        .collect();
    let labels: Vec<u8> = (0..n).map(|i| (i * 3 % 10) as u8).collect();
    let prepare = |mut ws: gradient_garden::cpu::model::Workspace| {
        ws.input.copy_from_slice(&input);
        ws.labels.copy_from_slice(&labels);
        ws
    };
    let plain = step(&model, prepare(model.workspace(n)));
    let fused = step(&model, prepare(model.train_workspace(n)));
    let same = |a: &[f32], b: &[f32]| match expect {
        Match::Bits => a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
        Match::Rounding(tol) => {
            let scale = a.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-30);
            a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol * scale)
        }
    };
    assert!(same(&plain.0, &fused.0), "logits");
    assert!(same(&[plain.1], &[fused.1]), "loss");
    for ((p, a), b) in model.params.iter().zip(&plain.2).zip(&fused.2) {
        assert!(
            a.iter().all(|v| v.is_finite()),
            "{} gradient written",
            p.name
        );
        assert!(
            same(a, b),
            "{}: fused gradient differs from the layer-by-layer one",
            p.name
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_cnn_preset_fused_takes_the_same_step() {
    fused_equals_unfused(ModelSpec::cnn(), 5, 3, Match::Bits);
    fused_equals_unfused(ModelSpec::cnn(), 5, 3, Match::Rounding(1e-4));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn same_padding_and_a_pool_that_drops_edges_fuse_exactly() {
    use LayerSpec::*;
    let spec = ModelSpec {
        input: vec![1, 28, 28],
        layers: vec![
            Conv2d {
                filters: 5,
                kernel: 3,
                padding: Padding::Same,
            },
            Relu,
            // 28 -> 9: the pool drops the last row and column.
            MaxPool2d { size: 3 },
            Conv2d {
                filters: 6,
                kernel: 5,
                padding: Padding::Same,
            },
            Relu,
            MaxPool2d { size: 2 },
            // Not fused: a convolution with no ReLU and pool above it.
            Conv2d {
                filters: 3,
                kernel: 3,
                padding: Padding::Valid,
            },
            Relu,
            Flatten,
            Dense { units: 10 },
        ],
        loss: Loss::SoftmaxCrossEntropy,
    };
    fused_equals_unfused(spec, 4, 8, Match::Bits);
}
