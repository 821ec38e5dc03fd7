//! Every CPU layer's backward against central finite differences, the whole network's gradient
//! through `CpuBackend`, and the optimizer updates against hand-computed values.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::cpu::*;
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::{Activation, LayerSpec, Loss, ModelSpec, Padding};

const EPS: f32 = 1e-3;
const RTOL: f32 = 1e-2;
const ATOL: f32 = 1e-3;

/// Deterministic values in [-1, 1) (xorshift), so failures reproduce.
fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Fails with the max difference and the first mismatching indices (llm.c's `validate_result`).
fn assert_close(what: &str, analytic: &[f32], numeric: &[f32]) {
    assert_eq!(analytic.len(), numeric.len(), "{what}: lengths differ");
    let mut bad = Vec::new();
    let mut max_diff = 0.0f32;
    for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let diff = (a - n).abs();
        max_diff = max_diff.max(diff);
        if diff.is_nan() || diff > ATOL + RTOL * n.abs() {
            bad.push((i, a, n));
        }
    }
    assert!(
        bad.is_empty(),
        "{what}: {} of {} mismatch (max diff {max_diff}); first: {:?}",
        bad.len(),
        analytic.len(),
        &bad[..bad.len().min(5)]
    );
}

/// Central differences of the scalar `f` with respect to every element of `x`.
fn numeric_grad(x: &[f32], f: impl FnMut(&[f32]) -> f64) -> Vec<f32> {
    numeric_grad_eps(x, EPS, f)
}

fn numeric_grad_eps(x: &[f32], eps: f32, mut f: impl FnMut(&[f32]) -> f64) -> Vec<f32> {
    let mut x = x.to_vec();
    (0..x.len())
        .map(|i| {
            let orig = x[i];
            x[i] = orig + eps;
            let plus = f(&x);
            x[i] = orig - eps;
            let minus = f(&x);
            x[i] = orig;
            ((plus - minus) / (2.0 * (eps as f64))) as f32
        })
        .collect()
}

/// The scalar `sum(y * r)`: its gradient with respect to `y` is the fixed random `r`.
fn project(y: &[f32], r: &[f32]) -> f64 {
    y.iter().zip(r).map(|(&a, &b)| a as f64 * b as f64).sum()
}

#[test]
fn dense_backward_matches_finite_differences() {
    let (batch, n_in, n_out) = (3, 5, 7);
    let x = random(batch * n_in, 1);
    let w = random(n_out * n_in, 2);
    let b = random(n_out, 3);
    let r = random(batch * n_out, 4);
    let fwd = |x: &[f32], w: &[f32], b: &[f32]| {
        let mut y = vec![0.0; batch * n_out];
        dense_forward(&mut y, x, w, b, batch, n_in, n_out);
        project(&y, &r)
    };
    let (mut dx, mut dw, mut db) = (vec![9.0; x.len()], vec![9.0; w.len()], vec![9.0; b.len()]);
    dense_backward(
        Some(&mut dx),
        &mut dw,
        &mut db,
        &r,
        &x,
        &w,
        batch,
        n_in,
        n_out,
    );
    assert_close("dense dx", &dx, &numeric_grad(&x, |x| fwd(x, &w, &b)));
    assert_close("dense dw", &dw, &numeric_grad(&w, |w| fwd(&x, w, &b)));
    assert_close("dense db", &db, &numeric_grad(&b, |b| fwd(&x, &w, b)));

    // The forward pass itself against the definition.
    let mut y = vec![0.0; batch * n_out];
    dense_forward(&mut y, &x, &w, &b, batch, n_in, n_out);
    let expect: Vec<f32> = (0..batch * n_out)
        .map(|k| {
            let (bi, o) = (k / n_out, k % n_out);
            b[o] + (0..n_in)
                .map(|i| x[bi * n_in + i] * w[o * n_in + i])
                .sum::<f32>()
        })
        .collect();
    assert_close("dense forward", &y, &expect);
}

fn check_conv(d: Conv2dDims, seed: u64) {
    let x = random(d.batch * d.in_channels * d.height * d.width, seed);
    let w = random(d.filters * d.in_channels * d.kernel * d.kernel, seed + 1);
    let b = random(d.filters, seed + 2);
    let out = d.batch * d.filters * d.out_h() * d.out_w();
    let r = random(out, seed + 3);
    let fwd = |x: &[f32], w: &[f32], b: &[f32]| {
        let mut y = vec![0.0; out];
        conv2d_forward(&mut y, x, w, b, &d);
        project(&y, &r)
    };
    let (mut dx, mut dw, mut db) = (vec![9.0; x.len()], vec![9.0; w.len()], vec![9.0; b.len()]);
    conv2d_backward(Some(&mut dx), &mut dw, &mut db, &r, &x, &w, &d);
    assert_close("conv dx", &dx, &numeric_grad(&x, |x| fwd(x, &w, &b)));
    assert_close("conv dw", &dw, &numeric_grad(&w, |w| fwd(&x, w, &b)));
    assert_close("conv db", &db, &numeric_grad(&b, |b| fwd(&x, &w, b)));

    // Forward against a direct 7-loop convolution.
    let mut y = vec![0.0; out];
    conv2d_forward(&mut y, &x, &w, &b, &d);
    let (oh, ow, k, p) = (d.out_h(), d.out_w(), d.kernel as isize, d.pad as isize);
    let mut expect = vec![0.0; out];
    for bi in 0..d.batch {
        for f in 0..d.filters {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = b[f];
                    for c in 0..d.in_channels {
                        for ky in 0..k {
                            for kx in 0..k {
                                let (iy, ix) = (oy as isize + ky - p, ox as isize + kx - p);
                                if iy < 0
                                    || ix < 0
                                    || iy >= d.height as isize
                                    || ix >= d.width as isize
                                {
                                    continue;
                                }
                                let xi = ((bi * d.in_channels + c) * d.height + iy as usize)
                                    * d.width
                                    + ix as usize;
                                let wi = ((f * d.in_channels + c) * d.kernel + ky as usize)
                                    * d.kernel
                                    + kx as usize;
                                acc += x[xi] * w[wi];
                            }
                        }
                    }
                    expect[((bi * d.filters + f) * oh + oy) * ow + ox] = acc;
                }
            }
        }
    }
    assert_close("conv forward", &y, &expect);
}

#[test]
fn conv2d_valid_backward_matches_finite_differences() {
    let d = Conv2dDims {
        batch: 2,
        in_channels: 3,
        height: 7,
        width: 6,
        filters: 4,
        kernel: 3,
        pad: 0,
    };
    check_conv(d, 10);
}

#[test]
fn conv2d_same_backward_matches_finite_differences() {
    let d = Conv2dDims {
        batch: 2,
        in_channels: 2,
        height: 5,
        width: 7,
        filters: 3,
        kernel: 5,
        pad: 2,
    };
    check_conv(d, 20);
}

#[test]
fn maxpool_backward_matches_finite_differences() {
    let (planes, h, w, size) = (3, 7, 5, 2); // floor: the last row and column are dropped
                                             // Distinct values at least 0.01 apart, so no perturbation of EPS changes a window's winner.
    let mut x: Vec<f32> = (0..planes * h * w).map(|i| i as f32 * 0.01).collect();
    let order = random(x.len(), 30);
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| order[a].total_cmp(&order[b]));
    x = idx.iter().map(|&i| x[i]).collect();
    let (oh, ow) = (h / size, w / size);
    let r = random(planes * oh * ow, 31);
    let mut argmax = vec![0u32; planes * oh * ow];
    let fwd = |x: &[f32]| {
        let mut y = vec![0.0; planes * oh * ow];
        let mut a = vec![0u32; y.len()];
        maxpool2d_forward(&mut y, &mut a, x, planes, h, w, size);
        project(&y, &r)
    };
    let mut y = vec![0.0; planes * oh * ow];
    maxpool2d_forward(&mut y, &mut argmax, &x, planes, h, w, size);
    let mut dx = vec![9.0; x.len()];
    maxpool2d_backward(&mut dx, &r, &argmax);
    assert_close("maxpool dx", &dx, &numeric_grad(&x, fwd));
    for (o, &a) in argmax.iter().enumerate() {
        assert_eq!(y[o], x[a as usize]);
    }
}

#[test]
fn activation_backward_matches_finite_differences() {
    for kind in [Activation::Relu, Activation::Sigmoid, Activation::Tanh] {
        // Keep ReLU inputs away from its kink at 0.
        let x: Vec<f32> = random(37, 40)
            .into_iter()
            .map(|v| if v.abs() < 0.05 { v + 0.1 } else { v } * 3.0)
            .collect();
        let r = random(x.len(), 41);
        let fwd = |x: &[f32]| {
            let mut y = vec![0.0; x.len()];
            activation_forward(kind, &mut y, x);
            project(&y, &r)
        };
        let mut y = vec![0.0; x.len()];
        activation_forward(kind, &mut y, &x);
        let mut dx = vec![9.0; x.len()];
        activation_backward(kind, &mut dx, &y, &r);
        assert_close(&format!("{kind:?} dx"), &dx, &numeric_grad(&x, fwd));
    }
}

#[test]
fn dropout_backward_matches_finite_differences_and_keeps_the_right_fraction() {
    let (seed, layer, rate) = (1234, 3, 0.3);
    let x = random(41, 50);
    let r = random(x.len(), 51);
    let fwd = |x: &[f32]| {
        let mut y = vec![0.0; x.len()];
        dropout_forward(&mut y, x, seed, layer, rate);
        project(&y, &r)
    };
    let mut dx = vec![9.0; x.len()];
    dropout_backward(&mut dx, &r, seed, layer, rate);
    assert_close("dropout dx", &dx, &numeric_grad(&x, fwd));

    let ones = vec![1.0; 100_000];
    let mut y = vec![0.0; ones.len()];
    dropout_forward(&mut y, &ones, seed, layer, rate);
    let kept = y.iter().filter(|&&v| v != 0.0).count() as f32 / y.len() as f32;
    assert!((kept - 0.7).abs() < 0.01, "kept fraction {kept}");
    assert!(y.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.7).abs() < 1e-6));
    // Another seed or layer gives another mask.
    let mut y2 = vec![0.0; ones.len()];
    dropout_forward(&mut y2, &ones, seed + 1, layer, rate);
    assert_ne!(y, y2);
}

#[test]
fn losses_match_finite_differences() {
    let batch = 5;
    let z: Vec<f32> = random(batch * 10, 60).iter().map(|v| v * 4.0).collect();
    let labels = [3u8, 0, 9, 9, 5];
    let mut dz = vec![9.0; z.len()];
    let ce = softmax_cross_entropy(&mut dz, &z, &labels);
    let numeric = numeric_grad(&z, |z| {
        softmax_cross_entropy(&mut vec![0.0; z.len()], z, &labels).loss as f64
    });
    assert_close("cross-entropy dlogits", &dz, &numeric);
    // The value against the definition, computed in f64.
    let expect: f64 = z
        .chunks(10)
        .zip(&labels)
        .map(|(row, &l)| {
            let lse = row.iter().map(|&v| (v as f64).exp()).sum::<f64>().ln();
            lse - row[l as usize] as f64
        })
        .sum::<f64>()
        / batch as f64;
    assert!(
        (ce.loss as f64 - expect).abs() < 1e-5,
        "{} vs {expect}",
        ce.loss
    );
    let correct = z
        .chunks(10)
        .zip(&labels)
        .filter(|(row, &l)| argmax(row) == l as usize)
        .count();
    assert_eq!(ce.correct as usize, correct);

    let mut dy = vec![9.0; z.len()];
    let mse = mse_one_hot(&mut dy, &z, &labels);
    let numeric = numeric_grad(&z, |z| {
        mse_one_hot(&mut vec![0.0; z.len()], z, &labels).loss as f64
    });
    assert_close("mse dy", &dy, &numeric);
    let expect: f64 = z
        .chunks(10)
        .zip(&labels)
        .flat_map(|(row, &l)| {
            row.iter()
                .enumerate()
                .map(move |(i, &v)| (v as f64 - if i == l as usize { 1.0 } else { 0.0 }).powi(2))
        })
        .sum::<f64>()
        / (batch * 10) as f64;
    assert!((mse.loss as f64 - expect).abs() < 1e-5);
    assert_eq!(mse.correct as usize, correct);
}

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

fn close3(got: &[f32], want: [f32; 3]) {
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-5, "{got:?} vs {want:?}");
    }
}

#[test]
fn optimizer_steps_match_hand_computed_values() {
    let w0 = [1.0f32, -2.0, 0.5];
    let g = [0.1f32, 0.2, -0.3];
    let cfg = |kind, weight_decay| OptimizerConfig {
        kind,
        lr: 0.1,
        momentum: 0.9,
        weight_decay,
        ..OptimizerConfig::default()
    };

    let mut w = w0;
    sgd_update(&mut w, &g, 0.1, 0.0);
    close3(&w, [0.99, -2.02, 0.53]);
    let mut w = w0;
    sgd_update(&mut w, &g, 0.1, 0.01); // g' = g + 0.01 w = [0.11, 0.18, -0.295]
    close3(&w, [0.989, -2.018, 0.5295]);

    // Momentum, two steps with the same gradient: v1 = g, v2 = 1.9 g.
    let mut state = OptimizerState::new(&[3]);
    let mut w = w0;
    for _ in 0..2 {
        state.begin_step(&cfg(OptimizerKind::Momentum, 0.0));
        state.update(0, &mut w, &g, &cfg(OptimizerKind::Momentum, 0.0));
    }
    close3(&w, [0.971, -2.058, 0.587]);

    // Adam: step 1 moves each weight by lr * sign(g); step 2 with another gradient
    // (values worked out by hand from m, v and the bias corrections 0.19 and 0.001999).
    let mut state = OptimizerState::new(&[3]);
    let mut w = w0;
    let adam = cfg(OptimizerKind::Adam, 0.0);
    state.begin_step(&adam);
    state.update(0, &mut w, &g, &adam);
    close3(&w, [0.9, -2.1, 0.6]);
    state.begin_step(&adam);
    state.update(0, &mut w, &[-0.1, 0.4, 0.0], &adam);
    close3(&w, [0.905_263_2, -2.196_518_2, 0.667_005_8]);

    // Changing the kind resets the state: momentum again starts with v = g.
    let sgd = cfg(OptimizerKind::Sgd, 0.0);
    state.begin_step(&sgd);
    let mut w = w0;
    state.update(0, &mut w, &g, &sgd);
    let mom = cfg(OptimizerKind::Momentum, 0.0);
    state.begin_step(&mom);
    let mut w = w0;
    state.update(0, &mut w, &g, &mom);
    close3(&w, [0.99, -2.02, 0.53]);
}

#[test]
fn gather_copies_and_warps_images() {
    // Two 28x28 images: a horizontal ramp and a single bright pixel.
    let mut images = vec![0u8; 2 * 784];
    for y in 0..28 {
        for x in 0..28 {
            images[y * 28 + x] = (x * 9) as u8;
        }
    }
    images[784 + 10 * 28 + 12] = 255;
    let labels = [3u8, 8];
    let mut out = vec![0.0; 2 * 784];
    let mut got_labels = [0u8; 2];
    gather_batch(&mut out, &mut got_labels, &images, &labels, &[1, 0], &[]).unwrap();
    assert_eq!(got_labels, [8, 3]);
    assert_eq!(out[10 * 28 + 12], 1.0);
    assert_eq!(out[784 + 5], 45.0 / 255.0);

    // The identity transform reproduces the plain copy exactly.
    let identity = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    let mut warped = vec![0.0; 2 * 784];
    gather_batch(
        &mut warped,
        &mut got_labels,
        &images,
        &labels,
        &[1, 0],
        &[identity; 2],
    )
    .unwrap();
    assert_eq!(warped, out);

    // Shift by +2 columns (output (x, y) reads source (x - 2, y)), and half a pixel down.
    let shift = [1.0, 0.0, -2.0, 0.0, 1.0, -0.5];
    gather_batch(
        &mut warped,
        &mut got_labels,
        &images,
        &labels,
        &[1, 0],
        &[shift; 2],
    )
    .unwrap();
    assert_eq!(warped[10 * 28 + 14], 0.5); // half of the bright pixel from row 10 ...
    assert_eq!(warped[11 * 28 + 14], 0.5); // ... and half from row 11's source, row 10
    assert_eq!(warped[12 * 28 + 14], 0.0);
    // The ramp: columns 0 and 1 read outside the image; row 0 blends with the zero row above.
    assert_eq!(warped[784 + 5 * 28], 0.0);
    assert!((warped[784 + 5 * 28 + 7] - 45.0 / 255.0).abs() < 1e-6);
    assert!((warped[784 + 7] - 0.5 * 45.0 / 255.0).abs() < 1e-6);

    assert!(gather_batch(&mut out, &mut got_labels, &images, &labels, &[0, 2], &[]).is_err());
    assert!(gather_batch(
        &mut out,
        &mut got_labels,
        &images,
        &labels,
        &[0, 1],
        &[identity]
    )
    .is_err());
}

#[test]
fn conv2d_edge_shapes_match_finite_differences() {
    let dims = |batch, in_channels, height, width, filters, kernel, pad| Conv2dDims {
        batch,
        in_channels,
        height,
        width,
        filters,
        kernel,
        pad,
    };
    check_conv(dims(1, 1, 1, 1, 1, 1, 0), 70); // 1x1 everything
    check_conv(dims(2, 3, 4, 5, 2, 1, 0), 71); // pointwise conv
    check_conv(dims(1, 2, 2, 3, 3, 5, 2), 72); // 'same' kernel larger than the image
    check_conv(dims(1, 1, 3, 3, 2, 3, 0), 73); // 'valid' with a single output pixel
    check_conv(dims(3, 1, 9, 2, 1, 7, 3), 74); // tall and thin, 'same'
}
