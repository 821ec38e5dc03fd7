//! 2-D convolution, stride 1, PyTorch `Conv2d` layout: `x [batch, c_in, h, w]` (NCHW),
//! `weight [filters, c_in, k, k]`, `bias [filters]`, `y [batch, filters, out_h, out_w]`.
//! Padding is zero padding of `pad` pixels on every side (0 for 'valid', `k / 2` for 'same').
//!
//! Done as im2col + matmul per image: `cols [c_in*k*k, out_h*out_w]` holds every receptive field
//! as a column (`im2col.rs`), so the forward pass is `y_b = weight[filters, c_in*k*k] . cols +
//! bias`.
//!
//! [`conv2d_forward`]/[`conv2d_backward`] run the products on [`super::gemm`], which seeds each
//! output tile with the bias. The forward pass writes `cols` out (thread-local scratch, no
//! allocation per call once grown); the weight gradient packs the receptive fields straight from
//! the image (`im2col::Cols`, `cols` never written); the input gradient goes through a `dcols`
//! matrix and `col2im`. [`conv2d_forward_reference`] and
//! [`conv2d_backward_reference`] are the readable ndarray versions the tests compare them with.
use super::gemm::{gemm_operands, sgemm, sgemm_epilogue, Bias, Dense, Epilogue};
use super::im2col::{col2im_add, im2col, Cols};
use super::pool::{maxpool2d_forward, maxpool2d_relu_backward_pooled};
use ndarray::linalg::general_mat_mul;
use std::cell::RefCell;

/// A thread's convolution scratch, grown to the largest convolution seen and kept (no
/// allocation per call).
#[derive(Default)]
struct Scratch {
    /// `cols` of the forward pass or `dcols` of the input gradient.
    cols: Vec<f32>,
    /// `dw^T` of a transposed weight gradient.
    dw_t: Vec<f32>,
    /// One image's output (fused forward) or output gradient (fused backward).
    plane: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// `v`'s first `len` values, after growing it to hold them: thread scratch that only grows
/// (here and in `winograd`).
pub(super) fn grown(v: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if v.len() < len {
        v.resize(len, 0.0);
    }
    &mut v[..len]
}

/// Runs `f(cols, dw_t, plane)` on the thread's scratch, cut to these lengths.
fn with_scratch<R>(
    cols_len: usize,
    w_len: usize,
    plane_len: usize,
    f: impl FnOnce(&mut [f32], &mut [f32], &mut [f32]) -> R,
) -> R {
    SCRATCH.with(|s| {
        let s = &mut *s.borrow_mut();
        f(
            grown(&mut s.cols, cols_len),
            grown(&mut s.dw_t, w_len),
            grown(&mut s.plane, plane_len),
        )
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

/// `y[b, f, oy, ox] = bias[f] + sum_{c,ky,kx} w[f, c, ky, kx] * x[b, c, oy+ky-pad, ox+kx-pad]`
/// (overwrites `y`).
pub fn conv2d_forward(y: &mut [f32], x: &[f32], w: &[f32], bias: &[f32], d: &Conv2dDims) {
    let (patch, spatial) = (d.patch(), d.out_h() * d.out_w());
    let epilogue = Epilogue {
        bias: Bias::PerRow(bias),
        relu: false,
    };
    // The forward pass writes `cols` out and lets the gemm pack it, unlike the weight gradient:
    // packing `cols^T` straight from the image (a gather per packed group, an `Operand` like
    // `im2col::Cols`) measured no faster here, natively or in Chromium, than a contiguous
    // `im2col` of whole rows followed by the gemm's vector-copy packing.
    with_scratch(patch * spatial, 0, 0, |cols, _, _| {
        for b in 0..d.batch {
            let yb = &mut y[b * d.out_plane()..(b + 1) * d.out_plane()];
            conv_image(yb, cols, x, w, epilogue, d, b);
        }
    });
}

/// Image `b` of `x` convolved into `y_b` (`[filters, out_h, out_w]`): its receptive fields
/// written into `cols`, then `w . cols` with the epilogue.
fn conv_image(
    y_b: &mut [f32],
    cols: &mut [f32],
    x: &[f32],
    w: &[f32],
    epilogue: Epilogue,
    d: &Conv2dDims,
    b: usize,
) {
    let (patch, spatial) = (d.patch(), d.out_h() * d.out_w());
    im2col(cols, &x[b * d.in_plane()..(b + 1) * d.in_plane()], d);
    sgemm_epilogue(
        d.filters, patch, spatial, w, false, cols, false, y_b, false, epilogue,
    );
}

/// [`conv2d_forward`], then a ReLU, then `maxpool2d_forward(size)`, one image at a time: the
/// convolution's and the ReLU's outputs (4x the pool's for a 2x2 pool) are only ever one image
/// in cache, never written out for the batch and read back by two more passes. The CNN's first
/// block took 4.9 ms fused against 7.7 ms as three passes in Chromium (`wasm_cnn_bench`).
/// The same bits as the three layers one after the other (the ReLU is the gemm epilogue's,
/// which is `activation_forward`'s). `pooled` is `[batch, filters, oh / size, ow / size]`;
/// `argmax` indexes one image's convolution output (`[filters, oh, ow]`), the layout
/// [`conv2d_backward`]'s [`OutputGrad::ReluPool`] reads.
pub fn conv2d_relu_maxpool_forward(
    pooled: &mut [f32],
    argmax: &mut [u32],
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    d: &Conv2dDims,
    size: usize,
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if super::conv_one_channel::applies(d, size) {
        // The first block in wasm: all in registers, the same bits.
        return super::conv_one_channel::conv3x3_one_channel_relu_pool2(
            pooled, argmax, x, w, bias, d,
        );
    }
    let (patch, spatial) = (d.patch(), d.out_h() * d.out_w());
    let pooled_plane = d.filters * (d.out_h() / size) * (d.out_w() / size);
    assert_eq!(pooled.len(), d.batch * pooled_plane, "pooled output length");
    let epilogue = Epilogue {
        bias: Bias::PerRow(bias),
        relu: true,
    };
    with_scratch(patch * spatial, 0, d.out_plane(), |cols, _, y| {
        for b in 0..d.batch {
            conv_image(y, cols, x, w, epilogue, d, b);
            let out = b * pooled_plane..(b + 1) * pooled_plane;
            let (o, ow) = (d.out_h(), d.out_w());
            maxpool2d_forward(
                &mut pooled[out.clone()],
                &mut argmax[out],
                y,
                d.filters,
                o,
                ow,
                size,
            );
        }
    });
}

/// Where a convolution's output gradient comes from.
#[derive(Clone, Copy)]
pub enum OutputGrad<'a> {
    /// `dy [batch, filters, out_h, out_w]` itself.
    Whole(&'a [f32]),
    /// Through the ReLU and max-pool of [`conv2d_relu_maxpool_forward`]: the pool's output
    /// gradient `dy`, its `argmax` and its output `pooled`, routed to the winners one image at a
    /// time (`maxpool2d_relu_backward_pooled`) so the batch's `dy` is never written out.
    ReluPool {
        dy: &'a [f32],
        argmax: &'a [u32],
        pooled: &'a [f32],
    },
}

/// Gradients of [`conv2d_forward`] given `dy` (all outputs overwritten): `dw = sum_b dy_b . cols_b^T`,
/// `db[f] = sum dy[:, f, :, :]`, `dx = col2im(w^T . dy_b)`. `dx = None` skips the input gradient.
pub fn conv2d_backward(
    dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: &mut [f32],
    dy: &[f32],
    x: &[f32],
    w: &[f32],
    d: &Conv2dDims,
) {
    assert_eq!(dy.len(), d.batch * d.out_plane(), "conv2d: dy length");
    conv2d_backward_from(dx, dw, db, OutputGrad::Whole(dy), x, w, d)
}

/// [`conv2d_backward`] with the output gradient from `dy` (the same sums in the same order, so
/// the same bits whichever way `dy` arrives).
pub fn conv2d_backward_from(
    mut dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: &mut [f32],
    dy: OutputGrad,
    x: &[f32],
    w: &[f32],
    d: &Conv2dDims,
) {
    let (patch, spatial) = (d.patch(), d.out_h() * d.out_w());
    assert_eq!(
        x.len(),
        d.batch * d.in_plane(),
        "conv2d: x must hold batch*c_in*h*w values"
    );
    assert_eq!(
        dw.len(),
        d.filters * patch,
        "conv2d: dw must hold filters*c_in*k*k values"
    );
    db.fill(0.0);
    if let Some(dx) = dx.as_deref_mut() {
        dx.fill(0.0);
    }
    // With fewer patch rows than filters (the first convolution: 9 rows for 32 filters), dW's
    // `[filters, patch]` would fill the kernel's NR-wide slivers mostly with padding (9 of 16);
    // `dW^T = cols . dy^T` puts the 9 in MR-tall slivers instead (9 of 12 on the 4x8 wasm
    // kernel) and is transposed into dw once per batch.
    let transposed = patch < d.filters;
    let dx_len = if dx.is_some() { patch * spatial } else { 0 };
    let dw_t_len = if transposed { dw.len() } else { 0 };
    let plane_len = match dy {
        OutputGrad::Whole(_) => 0,
        OutputGrad::ReluPool { .. } => d.out_plane(),
    };
    with_scratch(dx_len, dw_t_len, plane_len, |dcols, dw_t, plane| {
        dw.fill(0.0);
        dw_t.fill(0.0);
        for b in 0..d.batch {
            let dyb: &[f32] = match dy {
                OutputGrad::Whole(dy) => &dy[b * d.out_plane()..(b + 1) * d.out_plane()],
                OutputGrad::ReluPool { dy, argmax, pooled } => {
                    let per = dy.len() / d.batch;
                    let part = b * per..(b + 1) * per;
                    let (dy, argmax, pooled) =
                        (&dy[part.clone()], &argmax[part.clone()], &pooled[part]);
                    maxpool2d_relu_backward_pooled(plane, dy, argmax, pooled);
                    plane
                }
            };
            for (f, plane) in dyb.chunks_exact(spatial).enumerate() {
                db[f] += plane.iter().sum::<f32>();
            }
            let cols = Cols {
                x: &x[b * d.in_plane()..(b + 1) * d.in_plane()],
                d,
            };
            // dy_b [filters, spatial]: as `[outer, depth]` it is dy_b itself (A of dW) and also
            // dy_b^T's transpose (B of dW^T).
            let dy_b = Dense {
                data: dyb,
                ld: spatial,
                depth_contiguous: true,
            };
            if transposed {
                gemm_operands(
                    patch,
                    spatial,
                    d.filters,
                    cols,
                    dy_b,
                    dw_t,
                    true,
                    Epilogue::NONE,
                );
            } else {
                gemm_operands(
                    d.filters,
                    spatial,
                    patch,
                    dy_b,
                    cols,
                    dw,
                    true,
                    Epilogue::NONE,
                );
            }
            if let Some(dx) = dx.as_deref_mut() {
                sgemm(patch, d.filters, spatial, w, true, dyb, false, dcols, false);
                col2im_add(&mut dx[b * d.in_plane()..(b + 1) * d.in_plane()], dcols, d);
            }
        }
        if transposed {
            for (r, row) in dw_t.chunks_exact(d.filters).enumerate() {
                for (f, &v) in row.iter().enumerate() {
                    dw[f * patch + r] = v;
                }
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
