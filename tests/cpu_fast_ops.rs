//! The gemm-backed dense and conv ops (what the CPU backend runs) against their readable ndarray
//! references, on shapes that exercise every edge tile, padding mode and the no-`dx` path. Both
//! compute the same sums in a different order, so they agree to float rounding, not bit for bit.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::cpu::*;

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

/// Relative to the size of the sums (`scale` ~ sqrt of the reduction length): rounding only.
fn assert_close(what: &str, got: &[f32], want: &[f32], scale: f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    let tol = 1e-5 * scale.max(1.0);
    let (i, diff) = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .enumerate()
        .fold(
            (0, 0.0f32),
            |m, (i, d)| if d > m.1 || d.is_nan() { (i, d) } else { m },
        );
    assert!(
        diff <= tol,
        "{what}: max diff {diff} at {i} (got {}, want {}), tolerance {tol}",
        got[i],
        want[i]
    );
}

#[test]
fn dense_matches_reference() {
    for &(batch, n_in, n_out) in &[
        (1, 1, 1),
        (3, 5, 7),
        (128, 784, 128),
        (33, 130, 10),
        (64, 1600, 64),
    ] {
        let x = random(batch * n_in, 1);
        let w = random(n_out * n_in, 2);
        let b = random(n_out, 3);
        let dy = random(batch * n_out, 4);
        let scale = (n_in.max(batch) as f32).sqrt();

        // Garbage in the outputs: both versions must overwrite, not accumulate.
        let (mut y, mut y_ref) = (vec![7.0; batch * n_out], vec![-3.0; batch * n_out]);
        dense_forward(&mut y, &x, &w, &b, batch, n_in, n_out);
        dense_forward_reference(&mut y_ref, &x, &w, &b, batch, n_in, n_out);
        assert_close(&format!("y {batch}x{n_in}x{n_out}"), &y, &y_ref, scale);

        let mut got = (
            vec![5.0; batch * n_in],
            vec![5.0; n_out * n_in],
            vec![5.0; n_out],
        );
        let mut want = (
            vec![0.0; batch * n_in],
            vec![0.0; n_out * n_in],
            vec![0.0; n_out],
        );
        dense_backward(
            Some(&mut got.0),
            &mut got.1,
            &mut got.2,
            &dy,
            &x,
            &w,
            batch,
            n_in,
            n_out,
        );
        dense_backward_reference(
            Some(&mut want.0),
            &mut want.1,
            &mut want.2,
            &dy,
            &x,
            &w,
            batch,
            n_in,
            n_out,
        );
        assert_close("dx", &got.0, &want.0, scale);
        assert_close("dw", &got.1, &want.1, scale);
        assert_close("db", &got.2, &want.2, scale);

        dense_backward(
            None, &mut got.1, &mut got.2, &dy, &x, &w, batch, n_in, n_out,
        );
        assert_close("dw without dx", &got.1, &want.1, scale);
    }
}

#[test]
fn conv2d_matches_reference() {
    let cases = [
        // batch, c_in, h, w, filters, kernel, pad
        (2, 1, 28, 28, 32, 3, 0),
        (3, 32, 13, 13, 64, 3, 0),
        (2, 3, 7, 9, 5, 5, 2),
        (1, 2, 4, 4, 3, 3, 1),
        (4, 1, 5, 6, 1, 1, 0),
    ];
    for &(batch, in_channels, height, width, filters, kernel, pad) in &cases {
        let d = Conv2dDims {
            batch,
            in_channels,
            height,
            width,
            filters,
            kernel,
            pad,
        };
        let (oh, ow) = (d.out_h(), d.out_w());
        let x = random(batch * in_channels * height * width, 5);
        let w = random(filters * in_channels * kernel * kernel, 6);
        let b = random(filters, 7);
        let dy = random(batch * filters * oh * ow, 8);
        let scale = ((in_channels * kernel * kernel).max(batch * oh * ow) as f32).sqrt();
        let what = format!("{d:?}");

        let mut y = vec![9.0; dy.len()];
        let mut y_ref = vec![0.0; dy.len()];
        conv2d_forward(&mut y, &x, &w, &b, &d);
        conv2d_forward_reference(&mut y_ref, &x, &w, &b, &d);
        assert_close(&format!("y {what}"), &y, &y_ref, scale);

        let mut got = (vec![5.0; x.len()], vec![5.0; w.len()], vec![5.0; filters]);
        let mut want = (vec![0.0; x.len()], vec![0.0; w.len()], vec![0.0; filters]);
        conv2d_backward(Some(&mut got.0), &mut got.1, &mut got.2, &dy, &x, &w, &d);
        conv2d_backward_reference(Some(&mut want.0), &mut want.1, &mut want.2, &dy, &x, &w, &d);
        assert_close(&format!("dx {what}"), &got.0, &want.0, scale);
        assert_close(&format!("dw {what}"), &got.1, &want.1, scale);
        assert_close(&format!("db {what}"), &got.2, &want.2, scale);

        conv2d_backward(None, &mut got.1, &mut got.2, &dy, &x, &w, &d);
        assert_close(&format!("dw without dx {what}"), &got.1, &want.1, scale);
    }
}

/// The pool backward that also does the ReLU below it (what the CNN's backward runs) against the
/// two passes it replaces: equal bit for bit, clamped winners (x <= 0, zeros included) get 0.
#[test]
fn pool_relu_backward_equals_pool_then_relu() {
    let (planes, h, w, size) = (6, 9, 8, 2);
    let pre: Vec<f32> = random(planes * h * w, 7)
        .iter()
        .enumerate()
        .map(|(i, v)| if i % 11 == 0 { 0.0 } else { *v })
        .collect();
    let mut x = vec![0.0; pre.len()];
    activation_forward(gradient_garden::spec::Activation::Relu, &mut x, &pre);
    let (oh, ow) = (h / size, w / size);
    let (mut y, mut argmax) = (vec![0.0; planes * oh * ow], vec![0u32; planes * oh * ow]);
    maxpool2d_forward(&mut y, &mut argmax, &x, planes, h, w, size);
    let dy = random(y.len(), 8);
    let (mut pooled, mut two_passes) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    maxpool2d_backward(&mut pooled, &dy, &argmax);
    activation_backward(
        gradient_garden::spec::Activation::Relu,
        &mut two_passes,
        &x,
        &pooled,
    );
    let mut fused = vec![f32::NAN; x.len()];
    maxpool2d_relu_backward(&mut fused, &dy, &argmax, &x);
    assert_eq!(fused, two_passes);
    assert!(
        argmax.iter().any(|&i| x[i as usize] == 0.0),
        "some window's winner is a clamped 0"
    );
    assert!(fused.iter().any(|&g| g != 0.0));
}

/// The 2x2 pool's own path against the general window scan: same maxima and same winners bit for
/// bit, ties included (values on a coarse grid tie often; the first in row-major window order
/// wins), odd sizes whose last row and column are dropped.
#[test]
fn pool_2x2_path_equals_the_general_scan() {
    for (planes, h, w) in [(3, 8, 8), (2, 7, 9), (1, 26, 26), (4, 11, 11), (1, 1, 3)] {
        let x: Vec<f32> = random(planes * h * w, 9)
            .iter()
            .map(|v| (v * 3.0).round() / 3.0)
            .collect();
        let n = planes * (h / 2) * (w / 2);
        let (mut y, mut arg) = (vec![7.0; n], vec![7u32; n]);
        let (mut y_ref, mut arg_ref) = (vec![0.0; n], vec![0u32; n]);
        maxpool2d_forward(&mut y, &mut arg, &x, planes, h, w, 2);
        maxpool2d_forward_reference(&mut y_ref, &mut arg_ref, &x, planes, h, w, 2);
        assert_eq!(arg, arg_ref, "winners, {planes} planes of {h}x{w}");
        assert_eq!(y, y_ref, "maxima, {planes} planes of {h}x{w}");
    }
}
