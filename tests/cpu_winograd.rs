//! Winograd F(2x2, 3x3) convolution -> ReLU -> 2x2 max-pool (`cpu::winograd`) against the direct
//! reference layers, to float rounding: the pooled values, that each winner is a maximum of its
//! window, and all three gradients with the pool's gradient routed through its own winners.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gradcheck_support;

use gradcheck_support::random;
use gradient_garden::cpu::pool::maxpool2d_relu_backward_pooled;
use gradient_garden::cpu::{
    activation_forward, conv2d_backward_reference, conv2d_forward_reference,
    conv3x3_relu_pool2_backward, conv3x3_relu_pool2_forward, Conv2dDims,
};
use gradient_garden::spec::Activation;

/// Deterministic values in [-1, 1) with a few exact zeros.
fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut v = random(len, seed);
    v.iter_mut().step_by(11).for_each(|x| *x = 0.0);
    v
}

/// `|a - b| <= tol * (1 + largest |b|)` everywhere.
fn assert_close(what: &str, a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    let scale = 1.0 + b.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * scale,
            "{what}[{i}]: winograd {x}, direct {y} (scale {scale})"
        );
    }
}

fn check(d: Conv2dDims, input_grad: bool, seed: u64) {
    let (oh, ow) = (d.out_h(), d.out_w());
    let (ph, pw) = (oh / 2, ow / 2);
    let x = values(d.batch * d.in_channels * d.height * d.width, seed);
    let w = values(d.filters * d.in_channels * 9, seed + 1);
    let bias = values(d.filters, seed + 2);
    let pooled_len = d.batch * d.filters * ph * pw;
    let (mut pooled, mut argmax) = (vec![f32::NAN; pooled_len], vec![u32::MAX; pooled_len]);
    conv3x3_relu_pool2_forward(&mut pooled, &mut argmax, &x, &w, &bias, &d);

    // The reference: direct convolution, ReLU; every pooled value is its window's maximum, and
    // the winner recorded is a window member holding that maximum.
    let conv_plane = d.filters * oh * ow;
    let mut y = vec![0.0; d.batch * conv_plane];
    conv2d_forward_reference(&mut y, &x, &w, &bias, &d);
    let pre = y.clone();
    activation_forward(Activation::Relu, &mut y, &pre);
    let mut window_max = vec![0.0; pooled_len];
    for (o, best) in window_max.iter_mut().enumerate() {
        let (b, rest) = (o / (d.filters * ph * pw), o % (d.filters * ph * pw));
        let (f, t) = (rest / (ph * pw), rest % (ph * pw));
        let (ty, tx) = (t / pw, t % pw);
        let at = |r: usize, s: usize| y[b * conv_plane + (f * oh + 2 * ty + r) * ow + 2 * tx + s];
        *best = at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1));
        let win = argmax[o] as usize;
        let (wy, wx) = ((win - f * oh * ow) / ow, (win - f * oh * ow) % ow);
        assert!(
            win >= f * oh * ow && wy / 2 == ty && wx / 2 == tx,
            "output {o}: winner {win} outside its window"
        );
        assert!(
            (y[b * conv_plane + win] - pooled[o]).abs() <= 1e-5 * (1.0 + pooled[o].abs()),
            "output {o}: the winner does not hold the pooled value"
        );
    }
    assert_close("pooled", &pooled, &window_max, 1e-5);

    // Gradients: the pool's gradient routed through the Winograd pass's own winners, then the
    // direct convolution's backward.
    let dy = values(pooled_len, seed + 3);
    let mut dy_conv = vec![0.0; d.batch * conv_plane];
    for b in 0..d.batch {
        let part = b * d.filters * ph * pw..(b + 1) * d.filters * ph * pw;
        maxpool2d_relu_backward_pooled(
            &mut dy_conv[b * conv_plane..(b + 1) * conv_plane],
            &dy[part.clone()],
            &argmax[part.clone()],
            &pooled[part],
        );
    }
    let in_len = x.len();
    let (mut dx_ref, mut dw_ref, mut db_ref) =
        (vec![0.0; in_len], vec![0.0; w.len()], vec![0.0; d.filters]);
    conv2d_backward_reference(
        Some(&mut dx_ref),
        &mut dw_ref,
        &mut db_ref,
        &dy_conv,
        &x,
        &w,
        &d,
    );
    let (mut dx, mut dw, mut db) = (
        vec![f32::NAN; in_len],
        vec![f32::NAN; w.len()],
        vec![f32::NAN; d.filters],
    );
    let dx_arg = input_grad.then_some(&mut dx[..]);
    conv3x3_relu_pool2_backward(dx_arg, &mut dw, &mut db, &dy, &argmax, &pooled, &x, &w, &d);
    assert_close("dw", &dw, &dw_ref, 1e-5);
    assert_close("db", &db, &db_ref, 1e-5);
    if input_grad {
        assert_close("dx", &dx, &dx_ref, 1e-5);
    } else {
        assert!(
            dx.iter().all(|v| v.is_nan()),
            "dx = None must leave dx alone"
        );
    }
    // Not a vacuous comparison: some winners passed the ReLU and carry gradient.
    assert!(dw_ref.iter().any(|&v| v != 0.0) && dx_ref.iter().any(|&v| v != 0.0));
}

#[test]
fn the_cnn_second_block_over_several_groups() {
    // 13x13 -> 11x11 -> pooled 5x5 (the last conv row and column dropped): 25 tiles an image,
    // 19 images = two full groups of 8 and a group of 3.
    let d = Conv2dDims {
        batch: 19,
        in_channels: 32,
        height: 13,
        width: 13,
        filters: 64,
        kernel: 3,
        pad: 0,
    };
    check(d, true, 1);
}

#[test]
fn same_padding_uneven_planes_one_input_channel_and_tiny_planes() {
    // 'same' on 9x8: the border tiles read padding; 9 rows pool to 4 (one dropped).
    let same = Conv2dDims {
        batch: 3,
        in_channels: 3,
        height: 9,
        width: 8,
        filters: 5,
        kernel: 3,
        pad: 1,
    };
    check(same, true, 7);
    // The CNN's first block's shape (one input channel, 169 tiles an image: one image a group),
    // as the first layer, which wants no input gradient.
    let first = Conv2dDims {
        batch: 2,
        in_channels: 1,
        height: 28,
        width: 28,
        filters: 4,
        kernel: 3,
        pad: 0,
    };
    check(first, false, 11);
    // Fewer than four pooled outputs an image (4x3 -> 2x1): the output quads repeat a lane.
    let tiny = Conv2dDims {
        batch: 3,
        in_channels: 2,
        height: 6,
        width: 5,
        filters: 3,
        kernel: 3,
        pad: 0,
    };
    check(tiny, true, 13);
}
