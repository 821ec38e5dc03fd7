//! Winograd F(2x2, 3x3) for a 3x3 convolution whose ReLU'd output goes into a 2x2 max-pool: the
//! CNN preset's second block, where nine tenths of a training step's multiplies are.
//!
//! A 2x2 output tile of a 3x3 convolution is `A^T [(G g G^T) * (B^T d B)] A` for the 4x4 input
//! tile `d` under it (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015):
//! 16 multiplies per input channel where the direct sum takes 36. Summed over input channels,
//! each of the 16 products `(G g G^T)[xi] * (B^T d B)[xi]` is a matrix product,
//! `M[xi] [filters, tiles] = U[xi] [filters, c_in] . V[xi] [c_in, tiles]`, so the work is 16
//! gemms of depth `c_in` instead of one of depth `9 c_in`.
//!
//! The 2x2 output tiles are exactly the 2x2 pool windows, so the tiles are the pooled outputs
//! (for 'valid' 3x3 on 13x13: 25 tiles, where im2col computes all 121 outputs and the pool drops
//! the last row and column). Each tile's four outputs get the bias, the ReLU and the pool while
//! they are in registers. The backward pass is the same three linear maps transposed: the pool's
//! gradient reaches one output of each tile, `dM = A dY A^T`, `dU[xi] += dM[xi] . V[xi]^T`,
//! `dV[xi] = U[xi]^T . dM[xi]`, `dx += B dV B^T` (tiles overlap by two pixels), and
//! `dw = G^T dU G` once per batch.
//!
//! The results equal the direct convolution's to float rounding, not bit for bit (the sums run in
//! another order, and the transforms add before they multiply); `tests/cpu_winograd.rs` holds
//! them to `conv2d_*_reference`, whose backward `tests/cpu_gradcheck.rs` holds to finite
//! differences. Measured in Chromium (`wasm_cnn_bench`, relaxed build, batch 64): the second
//! block's forward 8.3 ms direct (fused) against 4.7 Winograd, its backward 14.8 against 8.3; the
//! CNN in the page went from 1,318-1,712 to 2,084-2,358 samples/s on one worker and from
//! 1,855-2,515 to 2,852-2,880 on two (`perf_bench.mjs`, two interleaved rounds).
use super::conv::{grown, Conv2dDims};
use super::gemm::sgemm;
use std::cell::RefCell;
use tiles::{pool_outputs, route_to_tiles, scatter_input_grad, transform_input};
use transforms::{transform_filters, untransform_filter_grad};

mod tiles;
mod transforms;

/// Whether a convolution followed by a ReLU and a `size` max-pool runs here: 3x3 kernels into
/// 2x2 pools with at least one pooled output, on at least [`MIN_CHANNELS`] input channels.
pub fn applies(d: &Conv2dDims, size: usize) -> bool {
    d.in_channels >= MIN_CHANNELS && d.kernel == 3 && size == 2 && d.out_h() >= 2 && d.out_w() >= 2
}

/// The products' depth is the input channels (where the direct convolution's is 9x that), so few
/// channels lose. Measured natively (a 3x3 block into a 2x2 pool, batch 64, forward and backward,
/// two runs): 1 channel 6.0/4.4 ms direct against 20.9/13.8 Winograd, 8 channels 2.4/2.0 against
/// 3.2/2.4, 16 channels 5.4/4.6 against 4.7/3.5, 32 channels 14.7/13.4 against 13.7/9.2.
pub const MIN_CHANNELS: usize = 16;

/// Tiles per gemm: enough that each product's `n` fills the kernel's panels, few enough that a
/// group's transformed input and products stay near the cache.
const TILES_PER_GROUP: usize = 200;

/// The shapes of one block: its convolution, its tiles per image and its images per group.
struct Tiles {
    d: Conv2dDims,
    /// Pooled rows and columns: one tile each.
    th: usize,
    tw: usize,
    group: usize,
    /// Per tile of an image, its top-left output's index in a convolution output plane.
    corners: Vec<usize>,
}

impl Tiles {
    fn new(d: &Conv2dDims) -> Self {
        let (th, tw) = (d.out_h() / 2, d.out_w() / 2);
        let group = (TILES_PER_GROUP / (th * tw)).clamp(1, d.batch.max(1));
        let corners = (0..th * tw)
            .map(|t| 2 * (t / tw) * d.out_w() + 2 * (t % tw))
            .collect();
        Tiles {
            d: *d,
            th,
            tw,
            group,
            corners,
        }
    }
    fn per_image(&self) -> usize {
        self.th * self.tw
    }
    /// The images `b0..b0 + count` of every group, in order.
    fn groups(&self) -> impl Iterator<Item = (usize, usize)> {
        let (batch, group) = (self.d.batch, self.group);
        (0..batch)
            .step_by(group)
            .map(move |b0| (b0, group.min(batch - b0)))
    }
    fn in_plane(&self) -> usize {
        self.d.in_channels * self.d.height * self.d.width
    }
    fn conv_plane(&self) -> usize {
        self.d.out_h() * self.d.out_w()
    }
    fn pooled_plane(&self) -> usize {
        self.d.filters * self.per_image()
    }
}

/// A thread's Winograd buffers, grown to the largest block seen and kept.
#[derive(Default)]
struct Scratch {
    /// `U [16, filters, c_in]`, the transformed filters.
    u: Vec<f32>,
    /// `dU [16, filters, c_in]`, their gradient summed over the batch.
    du: Vec<f32>,
    /// `V [16, c_in, tiles]`, one group's transformed input (its gradient `dV` in the backward).
    v: Vec<f32>,
    /// `M [16, filters, tiles]`, one group's products (their gradient `dM` in the backward).
    m: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f(u, du, v, m)` on the thread's buffers: `u` holds `w`'s transformed filters, `du`
/// is zeroed, and `v`, `m` are long enough for a whole group.
fn with_buffers<R>(
    t: &Tiles,
    w: &[f32],
    f: impl FnOnce(&[f32], &mut [f32], &mut [f32], &mut [f32]) -> R,
) -> R {
    let (cin, cout) = (t.d.in_channels, t.d.filters);
    let most = t.group * t.per_image();
    SCRATCH.with(|s| {
        let s = &mut *s.borrow_mut();
        let u = grown(&mut s.u, 16 * cout * cin);
        transform_filters(u, w, cout, cin);
        let du = grown(&mut s.du, 16 * cout * cin);
        du.fill(0.0);
        f(
            u,
            du,
            grown(&mut s.v, 16 * cin * most),
            grown(&mut s.m, 16 * cout * most),
        )
    })
}

/// [`super::conv2d_relu_maxpool_forward`] with a 2x2 pool and a 3x3 kernel ([`applies`]):
/// `pooled [batch, filters, out_h / 2, out_w / 2]` and, per pooled output, the index of its winner
/// in one image's convolution output `[filters, out_h, out_w]` (ties to the first in row-major
/// order, as `maxpool2d_forward`).
pub fn conv3x3_relu_pool2_forward(
    pooled: &mut [f32],
    argmax: &mut [u32],
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    d: &Conv2dDims,
) {
    let t = Tiles::new(d);
    let (cin, cout) = (d.in_channels, d.filters);
    assert_eq!(x.len(), d.batch * t.in_plane(), "winograd: x length");
    assert_eq!(w.len(), cout * cin * 9, "winograd: weight length");
    assert_eq!(
        pooled.len(),
        d.batch * t.pooled_plane(),
        "winograd: pooled length"
    );
    assert_eq!(argmax.len(), pooled.len(), "winograd: argmax length");
    with_buffers(&t, w, |u, _, v, m| {
        for (b0, count) in t.groups() {
            let n = count * t.per_image();
            let (v, m) = (&mut v[..16 * cin * n], &mut m[..16 * cout * n]);
            transform_input(v, x, &t, b0, count);
            // M[xi] = U[xi] . V[xi] for each of the 16 transformed positions.
            let planes = u.chunks_exact(cout * cin).zip(v.chunks_exact(cin * n));
            for ((u, v), m) in planes.zip(m.chunks_exact_mut(cout * n)) {
                sgemm(cout, cin, n, u, false, v, false, m, false);
            }
            let out = b0 * t.pooled_plane()..(b0 + count) * t.pooled_plane();
            pool_outputs(&mut pooled[out.clone()], &mut argmax[out], m, bias, &t, n);
        }
    });
}

/// The gradients of [`conv3x3_relu_pool2_forward`] (all outputs overwritten) from the pool's
/// output gradient `dy`, its winners `argmax` and its output `pooled` (a winner passed the ReLU
/// when its pooled value is positive). `dx = None` skips the input gradient.
#[allow(clippy::too_many_arguments)]
pub fn conv3x3_relu_pool2_backward(
    mut dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: &mut [f32],
    dy: &[f32],
    argmax: &[u32],
    pooled: &[f32],
    x: &[f32],
    w: &[f32],
    d: &Conv2dDims,
) {
    let t = Tiles::new(d);
    let (cin, cout) = (d.in_channels, d.filters);
    assert_eq!(x.len(), d.batch * t.in_plane(), "winograd: x length");
    assert_eq!(w.len(), cout * cin * 9, "winograd: weight length");
    assert_eq!(dw.len(), w.len(), "winograd: dw length");
    assert_eq!(db.len(), cout, "winograd: db length");
    let routed = d.batch * t.pooled_plane();
    assert!(
        dy.len() == routed && argmax.len() == routed && pooled.len() == routed,
        "winograd: the pool's gradient, winners and output must hold batch*filters*tiles values"
    );
    db.fill(0.0);
    if let Some(dx) = dx.as_deref_mut() {
        assert_eq!(dx.len(), x.len(), "winograd: dx length");
        dx.fill(0.0);
    }
    with_buffers(&t, w, |u, du, v, m| {
        for (b0, count) in t.groups() {
            let n = count * t.per_image();
            let (v, dm) = (&mut v[..16 * cin * n], &mut m[..16 * cout * n]);
            let part = b0 * t.pooled_plane()..(b0 + count) * t.pooled_plane();
            let (dy, argmax, pooled) = (&dy[part.clone()], &argmax[part.clone()], &pooled[part]);
            route_to_tiles(dm, db, dy, argmax, pooled, &t, n);
            transform_input(v, x, &t, b0, count);
            // dU[xi] += dM[xi] . V[xi]^T
            let planes = dm.chunks_exact(cout * n).zip(v.chunks_exact(cin * n));
            for ((dm, v), du) in planes.zip(du.chunks_exact_mut(cout * cin)) {
                sgemm(cout, n, cin, dm, false, v, true, du, true);
            }
            let Some(dx) = dx.as_deref_mut() else {
                continue;
            };
            // dV[xi] = U[xi]^T . dM[xi], into V's buffer (V is spent).
            let planes = u.chunks_exact(cout * cin).zip(dm.chunks_exact(cout * n));
            for ((u, dm), dv) in planes.zip(v.chunks_exact_mut(cin * n)) {
                sgemm(cin, cout, n, u, true, dm, false, dv, false);
            }
            scatter_input_grad(dx, v, &t, b0, count);
        }
        untransform_filter_grad(dw, du, cout, cin);
    });
}
