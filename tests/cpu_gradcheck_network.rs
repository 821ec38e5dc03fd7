//! The whole network's gradient through `CpuBackend` against central finite differences, every
//! parameter perturbed (dropout included).
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gradcheck_support;

use gradcheck_support::*;
use gradient_garden::cpu::*;
use gradient_garden::init::init_params;
use gradient_garden::spec::{LayerSpec, Loss, ModelSpec, Padding};

/// Perturbs every parameter of a small network and compares the loss change with the gradient
/// `CpuBackend` computes, dropout included (same seed both ways).
fn check_network(spec: ModelSpec, seed: u64) {
    let params = init_params(&spec, seed).unwrap();
    let n = 3;
    // Dense noise images: every conv output is a generic sum, so pooling windows rarely hold
    // near-ties (sparse digits put max(0, tiny) kinks under many weights).
    let images: Vec<f32> = random(n * 784, seed + 1)
        .iter()
        .map(|v| v * 0.5 + 0.5)
        .collect();
    let labels: &[u8] = &[7, 1, 4];
    let dropout = Some(99);
    let backend = CpuBackend::new(&spec, &params, n).unwrap();
    let (result, grads) = backend
        .loss_and_gradients(&images, labels, dropout)
        .unwrap();
    assert!(result.loss.is_finite());
    for (pi, grad) in grads.iter().enumerate() {
        assert_eq!(grad.name, params[pi].name);
        let loss_at = |w: &[f32]| {
            let mut p = params.clone();
            p[pi].tensor.data.copy_from_slice(w);
            let b = CpuBackend::new(&spec, &p, n).unwrap();
            b.loss_and_gradients(&images, labels, dropout)
                .unwrap()
                .0
                .loss as f64
        };
        // Max pooling over digits with sharp edges puts kinks (a window's winner changing) within
        // 1e-3 of many weights; an element passes if the difference at EPS or at EPS / 10 agrees.
        let coarse = numeric_grad_eps(&params[pi].tensor.data, EPS, loss_at);
        let fine = numeric_grad_eps(&params[pi].tensor.data, EPS / 10.0, loss_at);
        let numeric: Vec<f32> = grad
            .tensor
            .data
            .iter()
            .zip(coarse.iter().zip(&fine))
            .map(|(&a, (&c, &f))| if (a - c).abs() <= (a - f).abs() { c } else { f })
            .collect();
        assert_close(
            &format!("network d{}", grad.name),
            &grad.tensor.data,
            &numeric,
        );
    }
}

#[test]
fn whole_conv_network_gradient_matches_finite_differences() {
    use LayerSpec::*;
    let spec = ModelSpec {
        input: vec![1, 28, 28],
        layers: vec![
            Conv2d {
                filters: 2,
                kernel: 3,
                padding: Padding::Same,
            },
            Tanh,
            MaxPool2d { size: 2 },
            Conv2d {
                filters: 3,
                kernel: 5,
                padding: Padding::Valid,
            },
            Tanh,
            MaxPool2d { size: 3 },
            Flatten,
            Dense { units: 7 },
            Sigmoid,
            Dropout { rate: 0.3 },
            Dense { units: 10 },
        ],
        loss: Loss::SoftmaxCrossEntropy,
    };
    check_network(spec, 5);
}

#[test]
fn whole_mlp_with_mse_gradient_matches_finite_differences() {
    use LayerSpec::*;
    let spec = ModelSpec {
        input: vec![784],
        layers: vec![
            Dense { units: 4 },
            Tanh,
            Dropout { rate: 0.5 },
            Dense { units: 10 },
        ],
        loss: Loss::Mse,
    };
    check_network(spec, 6);
}

#[test]
fn mlp_on_black_bordered_images_gradient_matches_finite_differences() {
    // A first layer wide enough that its products skip the input columns that are zero in the
    // whole batch (cpu::zero_columns), on images black outside a 16x16 box, as digits are.
    use LayerSpec::*;
    let spec = ModelSpec {
        input: vec![784],
        layers: vec![Dense { units: 32 }, Tanh, Dense { units: 10 }],
        loss: Loss::SoftmaxCrossEntropy,
    };
    let params = init_params(&spec, 7).unwrap();
    let n = 3;
    let inside = |p: usize| (6..22).contains(&(p % 28)) && (6..22).contains(&(p / 28));
    let images: Vec<f32> = random(n * 784, 8)
        .iter()
        .enumerate()
        .map(|(i, v)| if inside(i % 784) { v * 0.5 + 0.5 } else { 0.0 })
        .collect();
    let labels: &[u8] = &[3, 9, 0];
    let backend = CpuBackend::new(&spec, &params, n).unwrap();
    let (_, grads) = backend.loss_and_gradients(&images, labels, None).unwrap();
    // Every weight of a few units of the first layer (black columns and lit ones), and every
    // other parameter.
    let units = [0, 13, 31];
    for (pi, grad) in grads.iter().enumerate() {
        let picked: Vec<usize> = if pi == 0 {
            units.iter().flat_map(|u| u * 784..(u + 1) * 784).collect()
        } else {
            (0..grad.tensor.data.len()).collect()
        };
        let at: Vec<f32> = picked.iter().map(|&i| params[pi].tensor.data[i]).collect();
        let numeric = numeric_grad(&at, |v| {
            let mut p = params.clone();
            for (&i, &x) in picked.iter().zip(v) {
                p[pi].tensor.data[i] = x;
            }
            let b = CpuBackend::new(&spec, &p, n).unwrap();
            b.loss_and_gradients(&images, labels, None).unwrap().0.loss as f64
        });
        let analytic: Vec<f32> = picked.iter().map(|&i| grad.tensor.data[i]).collect();
        assert_close(&format!("d{}", grad.name), &analytic, &numeric);
        if pi == 0 {
            for (&i, &g) in picked.iter().zip(&analytic) {
                if !inside(i % 784) {
                    assert_eq!(
                        g,
                        0.0,
                        "the weight on black pixel {} has gradient {g}",
                        i % 784
                    );
                }
            }
        }
    }
}
