//! Every CPU layer's backward against central finite differences (dense, convolution, pooling,
//! activations, dropout, losses). Whole networks: `cpu_gradcheck_network.rs`; optimizer updates
//! and the batch gather: `cpu_update_and_gather.rs`.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gradcheck_support;

use gradcheck_support::*;
use gradient_garden::cpu::*;
use gradient_garden::spec::Activation;

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
