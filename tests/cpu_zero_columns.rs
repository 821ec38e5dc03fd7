//! The dense products that leave out the input columns that are zero in the whole batch
//! (`cpu::zero_columns`, used by `dense_forward` and `dense_backward`): which columns count as
//! active, that the skipping path runs where it should and not where it should not, and that
//! its results are the full products' bit for bit (and close to an f64 reference), with the
//! skipped columns of the weight gradient exactly zero, on odd shapes and on real digits.
//!
//! Runs natively and in Chromium on the wasm micro-kernels (`scripts/test.sh wasm` runs it on
//! both wasm builds).
use gradient_garden::cpu::gemm::{Bias, Epilogue};
use gradient_garden::cpu::zero_columns::{
    active_columns, forward_skipping_zeros, weight_gradient_skipping_zeros,
};
use gradient_garden::cpu::{dense_backward, dense_forward};
use gradient_garden::data::mnist::Mnist;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

#[allow(dead_code)] // the gemm tests' own checks are not used here
mod gemm_support;
use gemm_support::{assert_close, reference, values};

mod dense_support;
use dense_support::{assert_same, packed_products};

/// `x [batch, n_in]` of values in [-1, 1) with every column `c` where `zero(c)` set to zero.
fn with_zero_columns(
    batch: usize,
    n_in: usize,
    seed: u64,
    zero: impl Fn(usize) -> bool,
) -> Vec<f32> {
    let mut x = values(batch * n_in, seed);
    for row in x.chunks_exact_mut(n_in) {
        for (c, v) in row.iter_mut().enumerate() {
            if zero(c) {
                *v = 0.0;
            }
        }
    }
    x
}

/// `m [rows, cols]` transposed.
fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..cols * rows)
        .map(|i| m[(i % rows) * cols + i / rows])
        .collect()
}

/// `y = x . w^T + bias` and `dw = dy^T . x`, in f64.
fn expected(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    dy: &[f32],
    dims: (usize, usize, usize),
) -> (Vec<f32>, Vec<f32>) {
    let (batch, n_in, n_out) = dims;
    let e = Epilogue {
        bias: Bias::PerCol(bias),
        relu: false,
    };
    let y = reference(
        batch,
        n_in,
        n_out,
        x,
        &transpose(w, n_out, n_in),
        &[],
        false,
        &e,
    );
    let dw = reference(
        n_out,
        batch,
        n_in,
        &transpose(dy, batch, n_out),
        x,
        &[],
        false,
        &Epilogue::NONE,
    );
    (y, dw)
}

/// Both skipping products on `x` (which must have columns worth skipping) against the f64
/// reference, the skipped columns of `dw` exactly zero, and `dense_*` giving the same.
fn check_skipping(x: &[f32], dims: (usize, usize, usize), seed: u64) {
    let (batch, n_in, n_out) = dims;
    let w = values(n_out * n_in, seed + 1);
    let bias = values(n_out, seed + 2);
    let dy = values(batch * n_out, seed + 3);
    let (want_y, want_dw) = expected(x, &w, &bias, &dy, dims);
    let what = format!("{batch}x{n_in}x{n_out}");

    // Garbage in the outputs: they must be overwritten, not accumulated onto.
    let mut y = vec![7.0; batch * n_out];
    assert!(
        forward_skipping_zeros(&mut y, x, &w, &bias, batch, n_in, n_out),
        "{what}: forward ran dense"
    );
    assert_close(&y, &want_y, n_out, &format!("{what} y"));
    let mut dw = vec![7.0; n_out * n_in];
    assert!(
        weight_gradient_skipping_zeros(&mut dw, &dy, x, batch, n_in, n_out),
        "{what}: dw ran dense"
    );
    assert_close(&dw, &want_dw, n_in, &format!("{what} dw"));

    // The dense products' sums less their zero terms, in the same order and depth blocks: the
    // same numbers bit for bit (== also takes -0 for 0).
    let (dense_y, dense_dw) = packed_products(x, &w, &bias, &dy, dims);
    assert_same(&y, &dense_y, &format!("{what} y"));
    assert_same(&dw, &dense_dw, &format!("{what} dw"));

    let (mut bits, mut cols) = (Vec::new(), Vec::new());
    active_columns(x, n_in, &mut bits, &mut cols);
    for (o, row) in dw.chunks_exact(n_in).enumerate() {
        for (c, &g) in row.iter().enumerate() {
            if cols.binary_search(&(c as u32)).is_err() {
                assert_eq!(
                    g.to_bits(),
                    0,
                    "{what}: dw[{o}, {c}] of an all-zero column is {g}"
                );
            }
        }
    }

    // What the layers run: the same numbers.
    let mut y2 = vec![-3.0; batch * n_out];
    dense_forward(&mut y2, x, &w, &bias, batch, n_in, n_out);
    assert_close(&y2, &want_y, n_out, &format!("{what} dense_forward"));
    let (mut dw2, mut db) = (vec![-3.0; n_out * n_in], vec![0.0; n_out]);
    dense_backward(None, &mut dw2, &mut db, &dy, x, &w, batch, n_in, n_out);
    assert_close(&dw2, &want_dw, n_in, &format!("{what} dense_backward"));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn active_columns_are_those_nonzero_in_some_row() {
    let n_in = 6;
    #[rustfmt::skip]
    let x = [
        0.0, 1.0, -0.0, 0.0, f32::NAN, 0.0,
        0.0, 0.0, -0.0, 2.0, 0.0,      0.0,
        0.0, 0.0,  0.0, 0.0, 0.0,      -1e-30,
    ];
    let (mut bits, mut cols) = (vec![99; 2], vec![5]);
    active_columns(&x, n_in, &mut bits, &mut cols);
    // -0.0 is a zero; a NaN and a tiny negative value are not.
    assert_eq!(cols, [1, 3, 4, 5]);
    active_columns(&[0.0; 12], n_in, &mut bits, &mut cols);
    assert!(cols.is_empty());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn skipping_products_match_the_full_ones_on_odd_shapes() {
    // Runs of zero columns, single ones, a zero first and last column; shapes that are not
    // multiples of the micro-tiles, a batch of one, and depths past one cache block.
    let patterns: [&dyn Fn(usize) -> bool; 3] = [
        &|c| c % 3 == 0,
        &|c| !(10..40).contains(&c) && c % 7 != 2,
        &|c| c < 5 || (c / 11) % 2 == 1,
    ];
    let shapes = [
        (1, 37, 40),
        (5, 100, 33),
        (33, 130, 64),
        (7, 600, 45),
        (64, 1600, 32),
    ];
    for (i, &(batch, n_in, n_out)) in shapes.iter().enumerate() {
        let x = with_zero_columns(batch, n_in, i as u64, patterns[i % 3]);
        check_skipping(&x, (batch, n_in, n_out), 10 * i as u64);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn skipping_products_match_the_full_ones_on_real_digits() {
    let digits = Mnist::from_idx(
        include_bytes!("../www/data/t10k-images-idx3-ubyte.gz"),
        include_bytes!("../www/data/t10k-labels-idx1-ubyte.gz"),
    )
    .unwrap();
    // A batch of 128 and the halves two workers take of it: each skips its own black pixels.
    for (start, batch) in [(0, 128), (128, 64), (192, 64), (1000, 3)] {
        let x = digits.pixels_f32(start, start + batch);
        check_skipping(&x, (batch, 784, 128), start as u64);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn dense_runs_where_skipping_would_not_pay() {
    let (batch, n_in) = (4, 50);
    let w = values(64 * n_in, 1);
    let bias = values(64, 2);
    let dy = values(batch * 64, 3);
    let mut y = vec![0.0; batch * 64];
    let mut dw = vec![0.0; 64 * n_in];
    // Every column active (random values: no zeros).
    let full = values(batch * n_in, 4);
    assert!(!forward_skipping_zeros(
        &mut y, &full, &w, &bias, batch, n_in, 64
    ));
    assert!(!weight_gradient_skipping_zeros(
        &mut dw, &dy, &full, batch, n_in, 64
    ));
    // Only 1 column of 50 zero: 98% active, over the 90% limit.
    let nearly = with_zero_columns(batch, n_in, 5, |c| c == 7);
    assert!(!forward_skipping_zeros(
        &mut y, &nearly, &w, &bias, batch, n_in, 64
    ));
    // Too few outputs per input value to pay for the scan.
    let sparse = with_zero_columns(batch, n_in, 6, |c| c % 2 == 0);
    assert!(!forward_skipping_zeros(
        &mut y[..batch * 10],
        &sparse,
        &w[..10 * n_in],
        &bias[..10],
        batch,
        n_in,
        10
    ));
    // An all-zero batch: the layer gives its bias and a zero weight gradient.
    let zero = vec![0.0; batch * n_in];
    assert!(!forward_skipping_zeros(
        &mut y, &zero, &w, &bias, batch, n_in, 64
    ));
    dense_forward(&mut y, &zero, &w, &bias, batch, n_in, 64);
    for row in y.chunks_exact(64) {
        assert_eq!(row, &bias[..]);
    }
    let mut db = vec![0.0; 64];
    dense_backward(None, &mut dw, &mut db, &dy, &zero, &w, batch, n_in, 64);
    assert!(dw.iter().all(|&g| g == 0.0));
}
