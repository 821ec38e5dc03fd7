//! 2-D convolution, stride 1, PyTorch `Conv2d` layout: `x [batch, c_in, h, w]` (NCHW),
//! `weight [filters, c_in, k, k]`, `bias [filters]`, `y [batch, filters, out_h, out_w]`.
//! Padding is zero padding of `pad` pixels on every side (0 for 'valid', `k / 2` for 'same').
//!
//! Done as im2col + matmul per image: `cols [c_in*k*k, out_h*out_w]` holds every receptive field
//! as a column, so the forward pass is `y_b = weight[filters, c_in*k*k] . cols + bias`.
//!
//! [`conv2d_forward`]/[`conv2d_backward`] run the products on [`super::gemm`] with thread-local
//! `cols` buffers (no allocation per call once grown); [`conv2d_forward_reference`] and
//! [`conv2d_backward_reference`] are the readable ndarray versions the tests compare them with.
use super::gemm::{sgemm, sgemm_epilogue, Bias, Epilogue};
use ndarray::linalg::general_mat_mul;
use std::cell::RefCell;

thread_local! {
    /// im2col scratch (`cols`, `dcols`), grown to the largest convolution seen and kept.
    static SCRATCH: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Runs `f(cols, dcols)` on the thread's scratch, each at least `len` long.
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32], &mut [f32]) -> R) -> R {
    SCRATCH.with(|s| {
        let (cols, dcols) = &mut *s.borrow_mut();
        if cols.len() < len {
            cols.resize(len, 0.0);
            dcols.resize(len, 0.0);
        }
        f(&mut cols[..len], &mut dcols[..len])
    })
}
use ndarray::{ArrayView2, ArrayViewMut2};

/// Everything that fixes a convolution's shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dDims {
    pub batch: usize,
    pub in_channels: usize,
    pub height: usize,
    pub width: usize,
    pub filters: usize,
    pub kernel: usize,
    /// Zero padding on each side: 0 ('valid') or `kernel / 2` ('same').
    pub pad: usize,
}

impl Conv2dDims {
    pub fn out_h(&self) -> usize {
        self.height + 2 * self.pad + 1 - self.kernel
    }
    pub fn out_w(&self) -> usize {
        self.width + 2 * self.pad + 1 - self.kernel
    }
    /// Rows of the im2col matrix: one per weight of a filter.
    fn patch(&self) -> usize {
        self.in_channels * self.kernel * self.kernel
    }
    fn in_plane(&self) -> usize {
        self.in_channels * self.height * self.width
    }
    fn out_plane(&self) -> usize {
        self.filters * self.out_h() * self.out_w()
    }
}

/// For kernel column `kx`, the output columns `ox_lo..ox_hi` whose input column
/// `ix = ox + kx - pad` lies inside the image (the rest read zero padding).
fn valid_cols(d: &Conv2dDims, kx: usize) -> (usize, usize) {
    let lo = d.pad.saturating_sub(kx).min(d.out_w());
    let hi = (d.width + d.pad).saturating_sub(kx).clamp(lo, d.out_w());
    (lo, hi)
}

/// `cols[(c*k + ky)*k + kx, oy*out_w + ox] = x[c, oy + ky - pad, ox + kx - pad]`, 0 outside.
/// Each output row segment is one contiguous copy of an input row.
fn im2col(cols: &mut [f32], x: &[f32], d: &Conv2dDims) {
    let (oh, ow, k) = (d.out_h(), d.out_w(), d.kernel);
    for c in 0..d.in_channels {
        for ky in 0..k {
            for kx in 0..k {
                let row = (c * k + ky) * k + kx;
                let (lo, hi) = valid_cols(d, kx);
                for oy in 0..oh {
                    let out = &mut cols[(row * oh + oy) * ow..(row * oh + oy + 1) * ow];
                    let iy = (oy + ky) as isize - d.pad as isize;
                    if iy < 0 || iy >= d.height as isize || lo == hi {
                        out.fill(0.0);
                        continue;
                    }
                    let start = (c * d.height + iy as usize) * d.width + lo + kx - d.pad;
                    out[..lo].fill(0.0);
                    out[lo..hi].copy_from_slice(&x[start..start + hi - lo]);
                    out[hi..].fill(0.0);
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds every column entry back onto the input pixel it came from.
fn col2im_add(dx: &mut [f32], cols: &[f32], d: &Conv2dDims) {
    let (oh, ow, k) = (d.out_h(), d.out_w(), d.kernel);
    for c in 0..d.in_channels {
        for ky in 0..k {
            for kx in 0..k {
                let row = (c * k + ky) * k + kx;
                let (lo, hi) = valid_cols(d, kx);
                for oy in 0..oh {
                    let iy = (oy + ky) as isize - d.pad as isize;
                    if iy < 0 || iy >= d.height as isize || lo == hi {
                        continue;
                    }
                    let col = &cols[(row * oh + oy) * ow..(row * oh + oy + 1) * ow];
                    let start = (c * d.height + iy as usize) * d.width + lo + kx - d.pad;
                    for (g, &v) in dx[start..start + hi - lo].iter_mut().zip(&col[lo..hi]) {
                        *g += v;
                    }
                }
            }
        }
    }
}

/// `y[b, f, oy, ox] = bias[f] + sum_{c,ky,kx} w[f, c, ky, kx] * x[b, c, oy+ky-pad, ox+kx-pad]`
/// (overwrites `y`).
pub fn conv2d_forward(y: &mut [f32], x: &[f32], w: &[f32], bias: &[f32], d: &Conv2dDims) {
    let (patch, spatial) = (d.patch(), d.out_h() * d.out_w());
    let epilogue = Epilogue {
        bias: Bias::PerRow(bias),
        relu: false,
    };
    with_scratch(patch * spatial, |cols, _| {
        for b in 0..d.batch {
            im2col(cols, &x[b * d.in_plane()..(b + 1) * d.in_plane()], d);
            let yb = &mut y[b * d.out_plane()..(b + 1) * d.out_plane()];
            sgemm_epilogue(
                d.filters, patch, spatial, w, false, cols, false, yb, false, epilogue,
            );
        }
    });
}

/// Gradients of [`conv2d_forward`] given `dy` (all outputs overwritten): `dw = sum_b dy_b . cols_b^T`,
/// `db[f] = sum dy[:, f, :, :]`, `dx = col2im(w^T . dy_b)`. `dx = None` skips the input gradient.
pub fn conv2d_backward(
    mut dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: &mut [f32],
    dy: &[f32],
    x: &[f32],
    w: &[f32],
    d: &Conv2dDims,
) {
    let (patch, spatial) = (d.patch(), d.out_h() * d.out_w());
    dw.fill(0.0);
    db.fill(0.0);
    if let Some(dx) = dx.as_deref_mut() {
        dx.fill(0.0);
    }
    with_scratch(patch * spatial, |cols, dcols| {
        for b in 0..d.batch {
            let dyb = &dy[b * d.out_plane()..(b + 1) * d.out_plane()];
            for (f, plane) in dyb.chunks_exact(spatial).enumerate() {
                db[f] += plane.iter().sum::<f32>();
            }
            im2col(cols, &x[b * d.in_plane()..(b + 1) * d.in_plane()], d);
            sgemm(d.filters, spatial, patch, dyb, false, cols, true, dw, true);
            if let Some(dx) = dx.as_deref_mut() {
                sgemm(patch, d.filters, spatial, w, true, dyb, false, dcols, false);
                col2im_add(&mut dx[b * d.in_plane()..(b + 1) * d.in_plane()], dcols, d);
            }
        }
    });
}

/// [`conv2d_forward`] with ndarray's `general_mat_mul`: the reference the tests check against.
pub fn conv2d_forward_reference(y: &mut [f32], x: &[f32], w: &[f32], bias: &[f32], d: &Conv2dDims) {
    let (patch, spatial) = (d.patch(), d.out_h() * d.out_w());
    let w2 = ArrayView2::from_shape((d.filters, patch), w).expect("weight shape");
    let mut cols = vec![0.0f32; patch * spatial];
    for b in 0..d.batch {
        im2col(&mut cols, &x[b * d.in_plane()..(b + 1) * d.in_plane()], d);
        let yb = &mut y[b * d.out_plane()..(b + 1) * d.out_plane()];
        for (f, plane) in yb.chunks_exact_mut(spatial).enumerate() {
            plane.fill(bias[f]);
        }
        let cols2 = ArrayView2::from_shape((patch, spatial), &cols[..]).expect("cols shape");
        let mut y2 = ArrayViewMut2::from_shape((d.filters, spatial), yb).expect("y shape");
        general_mat_mul(1.0, &w2, &cols2, 1.0, &mut y2);
    }
}

/// [`conv2d_backward`] with ndarray's `general_mat_mul`: the reference the tests check against.
pub fn conv2d_backward_reference(
    mut dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: &mut [f32],
    dy: &[f32],
    x: &[f32],
    w: &[f32],
    d: &Conv2dDims,
) {
    let (patch, spatial) = (d.patch(), d.out_h() * d.out_w());
    let w2 = ArrayView2::from_shape((d.filters, patch), w).expect("weight shape");
    let mut cols = vec![0.0f32; patch * spatial];
    let mut dcols = vec![0.0f32; patch * spatial];
    dw.fill(0.0);
    db.fill(0.0);
    if let Some(dx) = dx.as_deref_mut() {
        dx.fill(0.0);
    }
    for b in 0..d.batch {
        let dyb = &dy[b * d.out_plane()..(b + 1) * d.out_plane()];
        for (f, plane) in dyb.chunks_exact(spatial).enumerate() {
            db[f] += plane.iter().sum::<f32>();
        }
        let dy2 = ArrayView2::from_shape((d.filters, spatial), dyb).expect("dy shape");
        im2col(&mut cols, &x[b * d.in_plane()..(b + 1) * d.in_plane()], d);
        let cols2 = ArrayView2::from_shape((patch, spatial), &cols[..]).expect("cols shape");
        let mut dw2 = ArrayViewMut2::from_shape((d.filters, patch), &mut dw[..]).expect("dw");
        general_mat_mul(1.0, &dy2, &cols2.t(), 1.0, &mut dw2);
        if let Some(dx) = dx.as_deref_mut() {
            let mut dcols2 =
                ArrayViewMut2::from_shape((patch, spatial), &mut dcols[..]).expect("dcols");
            general_mat_mul(1.0, &w2.t(), &dy2, 0.0, &mut dcols2);
            col2im_add(&mut dx[b * d.in_plane()..(b + 1) * d.in_plane()], &dcols, d);
        }
    }
}
