//! A dense layer's products over the non-zero values of a mostly-zero input
//! (`cpu::sparse_input`, tried first by `dense_forward` and `dense_backward`): in the browser
//! they run where the input is sparse enough and give the full products' results bit for bit
//! (the same sums less their zero terms, in the same order and depth blocks), on odd shapes, on
//! several depth blocks each way and on real digits; they decline dense inputs and layers too
//! narrow for them; natively they always decline and write nothing.
//!
//! Runs natively and in Chromium (`scripts/test.sh wasm` runs it on both wasm builds: the
//! relaxed build's multiply-add is fused, like its micro-kernel's).
use gradient_garden::cpu::sparse_input::{forward_sparse, weight_gradient_sparse};
use gradient_garden::cpu::{dense_backward, dense_forward};
use gradient_garden::data::mnist::Mnist;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

#[allow(dead_code)] // the gemm tests' own checks are not used here
mod gemm_support;
use gemm_support::values;

mod dense_support;
use dense_support::{assert_same, packed_products};

/// Where the sparse products run: the page's wasm builds (both have simd128).
const RUNS_HERE: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// `x [batch, n_in]` with about `density` of its values non-zero (some of the zeros -0.0).
fn sparse(batch: usize, n_in: usize, density: f32, seed: u64) -> Vec<f32> {
    let keep = values(batch * n_in, seed + 1);
    values(batch * n_in, seed)
        .into_iter()
        .zip(keep)
        .enumerate()
        .map(|(i, (v, k))| {
            if (k + 1.0) / 2.0 < density {
                v
            } else if i % 7 == 0 {
                -0.0
            } else {
                0.0
            }
        })
        .collect()
}

/// Both sparse products against the full ones on `x`: the same values where they run, nothing
/// written where they decline; `runs`: whether they should run here.
fn check(x: &[f32], (batch, n_in, n_out): (usize, usize, usize), runs: bool, seed: u64) {
    let what = format!("{batch}x{n_in} -> {n_out}");
    let (w, bias, dy) = (
        values(n_out * n_in, seed + 2),
        values(n_out, seed + 3),
        values(batch * n_out, seed + 4),
    );
    let (want_y, want_dw) = packed_products(x, &w, &bias, &dy, (batch, n_in, n_out));

    // Garbage in the outputs: both products overwrite them.
    let mut y = vec![7.0; batch * n_out];
    let ran = forward_sparse(&mut y, x, &w, &bias, batch, n_in, n_out);
    assert_eq!(ran, runs, "{what}: forward ran");
    let mut dw = vec![-3.0; n_out * n_in];
    let ran = weight_gradient_sparse(&mut dw, &dy, x, batch, n_in, n_out);
    assert_eq!(ran, runs, "{what}: weight gradient ran");
    if runs {
        assert_same(&y, &want_y, &format!("{what} forward"));
        assert_same(&dw, &want_dw, &format!("{what} weight gradient"));
    } else {
        assert!(
            y.iter().all(|&v| v == 7.0),
            "{what}: a declined forward wrote"
        );
        assert!(
            dw.iter().all(|&v| v == -3.0),
            "{what}: a declined gradient wrote"
        );
    }
    // The layer's own functions (whichever product they pick) agree with the full ones too.
    let mut y2 = vec![7.0; batch * n_out];
    dense_forward(&mut y2, x, &w, &bias, batch, n_in, n_out);
    let (mut dw2, mut db) = (vec![-3.0; n_out * n_in], vec![0.0; n_out]);
    dense_backward(None, &mut dw2, &mut db, &dy, x, &w, batch, n_in, n_out);
    assert_same(&y2, &want_y, &format!("{what} dense_forward"));
    assert_same(&dw2, &want_dw, &format!("{what} dense_backward"));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn sparse_products_equal_the_full_ones_on_odd_shapes() {
    // Outputs in whole 32-wide chunks and with a 4-wide tail; inputs past one depth block (the
    // forward sums each of the full product's blocks on its own); a batch past one depth block
    // (so does the weight gradient); a batch of one; whole zero columns and rows.
    let shapes = [
        (1, 37, 32),
        (5, 100, 36),
        (33, 600, 64),
        (300, 50, 40),
        (64, 784, 128),
    ];
    for (i, &(batch, n_in, n_out)) in shapes.iter().enumerate() {
        let mut x = sparse(batch, n_in, 0.12, 10 * i as u64);
        for r in 0..batch {
            x[r * n_in + n_in / 2] = 0.0; // a column zero in every row
        }
        if batch > 2 {
            x[n_in..2 * n_in].fill(0.0); // an all-zero sample: its outputs are the bias
        }
        check(&x, (batch, n_in, n_out), RUNS_HERE, 100 * i as u64);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn sparse_products_equal_the_full_ones_on_real_digits() {
    let digits = Mnist::from_idx(
        include_bytes!("../www/data/t10k-images-idx3-ubyte.gz"),
        include_bytes!("../www/data/t10k-labels-idx1-ubyte.gz"),
    )
    .unwrap();
    // A batch of 128 (about a fifth of a digit's pixels are lit) and a part two workers take.
    for (start, batch) in [(0, 128), (128, 64), (1000, 3)] {
        let x = digits.pixels_f32(start, start + batch);
        check(&x, (batch, 784, 128), RUNS_HERE, start as u64);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn sparse_products_decline_dense_inputs_and_narrow_layers() {
    // Half the values non-zero: the packed products win there (Fashion-MNIST is about that).
    let dense = sparse(16, 100, 0.5, 1);
    check(&dense, (16, 100, 64), false, 1);
    let x = sparse(16, 100, 0.1, 2);
    // Too few outputs (a 10-way classifier), and a width that is not a multiple of 4.
    check(&x, (16, 100, 10), false, 2);
    check(&x, (16, 100, 34), false, 3);
    check(&x, (16, 100, 32), RUNS_HERE, 4);
}
