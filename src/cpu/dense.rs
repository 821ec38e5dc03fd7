//! Fully connected layer, PyTorch `Linear` layout: `x [batch, n_in]`, `w [n_out, n_in]`,
//! `bias [n_out]`, `y [batch, n_out]`. Row-major slices.
//!
//! [`dense_forward`]/[`dense_backward`] run on [`super::gemm`] (simd128 in the browser);
//! [`dense_forward_reference`] and
//! [`dense_backward_reference`] are the readable ndarray versions the tests compare them with.
use super::gemm::{sgemm, sgemm_epilogue, Bias, Epilogue};
use super::sparse_input::{forward_sparse, weight_gradient_sparse};
use super::zero_columns::{forward_skipping_zeros, weight_gradient_skipping_zeros};
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

fn view(data: &[f32], rows: usize, cols: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((rows, cols), data).expect("slice length matches its dims")
}

fn view_mut(data: &mut [f32], rows: usize, cols: usize) -> ArrayViewMut2<'_, f32> {
    ArrayViewMut2::from_shape((rows, cols), data).expect("slice length matches its dims")
}

/// `y[b, o] = sum_i x[b, i] * w[o, i] + bias[o]` (overwrites `y`). Input columns that are zero
/// in the whole batch are left out of the sum ([`super::zero_columns`]).
pub fn dense_forward(
    y: &mut [f32],
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) {
    if forward_sparse(y, x, w, bias, batch, n_in, n_out)
        || forward_skipping_zeros(y, x, w, bias, batch, n_in, n_out)
    {
        return;
    }
    let epilogue = Epilogue {
        bias: Bias::PerCol(bias),
        relu: false,
    };
    sgemm_epilogue(batch, n_in, n_out, x, false, w, true, y, false, epilogue);
}

/// Gradients of [`dense_forward`] given `dy [batch, n_out]` (all outputs overwritten):
/// `dx = dy . w`, `dw = dy^T . x`, `db = sum_b dy`. Pass `dx = None` for the first layer,
/// whose input gradient nobody needs. `dw` as [`dense_weight_gradient`] computes it.
#[allow(clippy::too_many_arguments)]
pub fn dense_backward(
    dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: &mut [f32],
    dy: &[f32],
    x: &[f32],
    w: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) {
    if let Some(dx) = dx {
        sgemm(batch, n_out, n_in, dy, false, w, false, dx, false);
    }
    dense_weight_gradient(dw, dy, x, batch, n_in, n_out);
    bias_gradient(db, dy, n_out);
}

/// `dw = dy^T . x` (overwrites `dw`), summed over the non-zero inputs alone where the input is
/// sparse enough ([`super::sparse_input`], in the browser), else over the input columns that
/// are not zero in the whole batch ([`super::zero_columns`]), else as one packed product: the
/// same numbers every way.
pub fn dense_weight_gradient(
    dw: &mut [f32],
    dy: &[f32],
    x: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) {
    if !weight_gradient_sparse(dw, dy, x, batch, n_in, n_out)
        && !weight_gradient_skipping_zeros(dw, dy, x, batch, n_in, n_out)
    {
        sgemm(n_out, batch, n_in, dy, true, x, false, dw, false);
    }
}

/// `db = sum_b dy[b, :]` (overwrites `db`).
fn bias_gradient(db: &mut [f32], dy: &[f32], n_out: usize) {
    db.fill(0.0);
    for row in dy.chunks_exact(n_out) {
        for (d, g) in db.iter_mut().zip(row) {
            *d += g;
        }
    }
}

/// [`dense_forward`] with ndarray's `general_mat_mul`: the reference the tests check against.
pub fn dense_forward_reference(
    y: &mut [f32],
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) {
    let mut y2 = view_mut(y, batch, n_out);
    for mut row in y2.rows_mut() {
        row.assign(&ndarray::ArrayView1::from(bias));
    }
    general_mat_mul(
        1.0,
        &view(x, batch, n_in),
        &view(w, n_out, n_in).t(),
        1.0,
        &mut y2,
    );
}

/// [`dense_backward`] with ndarray's `general_mat_mul`: the reference the tests check against.
#[allow(clippy::too_many_arguments)]
pub fn dense_backward_reference(
    dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: &mut [f32],
    dy: &[f32],
    x: &[f32],
    w: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) {
    let dy2 = view(dy, batch, n_out);
    if let Some(dx) = dx {
        general_mat_mul(
            1.0,
            &dy2,
            &view(w, n_out, n_in),
            0.0,
            &mut view_mut(dx, batch, n_in),
        );
    }
    general_mat_mul(
        1.0,
        &dy2.t(),
        &view(x, batch, n_in),
        0.0,
        &mut view_mut(dw, n_out, n_in),
    );
    bias_gradient(db, dy, n_out);
}
