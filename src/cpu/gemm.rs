//! Single-threaded f32 matrix multiply for the CPU backend (dense layers, im2col convolutions).
//!
//! `C[m, n] (+)= op(A)[m, k] . op(B)[k, n]`, every matrix row-major and contiguous, where
//! `op(A) = A` (stored `[m, k]`) or `A^T` (stored `[k, m]`), likewise for B. The three products
//! of a dense layer (`x [batch, in]`, `w [out, in]`) are:
//!
//! | product | call |
//! | --- | --- |
//! | `y = x . w^T` | `sgemm(batch, in, out, x, false, w, true, y, false)` |
//! | `dx = dy . w` | `sgemm(batch, out, in, dy, false, w, false, dx, false)` |
//! | `dw = dy^T . x` | `sgemm(out, batch, in, dy, true, x, false, dw, false)` |
//!
//! and those of an im2col convolution per image (`w [filters, patch]`, `cols [patch, hw]`,
//! `y_b`/`dy_b [filters, hw]`, `patch = c_in*k*k`):
//!
//! | product | call |
//! | --- | --- |
//! | `y_b = w . cols + bias` | `sgemm_epilogue(filters, patch, hw, w, false, cols, false, y_b, false, Epilogue { bias: Bias::PerRow(bias), relu: false })` |
//! | `dw += dy_b . cols^T` | `sgemm(filters, hw, patch, dy_b, false, cols, true, dw, true)` |
//! | `dcols = w^T . dy_b` | `sgemm(patch, filters, hw, w, true, dy_b, false, dcols, false)` |
//!
//! Layout (the BLIS/GotoBLAS scheme): B is packed per `KC x NC` panel into `NR`-wide slivers,
//! A per `MC x KC` block into `MR`-tall slivers, both zero-padded to whole slivers so the
//! micro-kernel never branches on edges; the micro-kernel keeps an `MR x NR` tile of C in
//! registers for the whole `KC` loop. Only the micro-kernel differs per target (wasm simd128,
//! x86_64 AVX2+FMA chosen at run time, portable Rust elsewhere); the packing, blocking, edge
//! tiles and the bias/ReLU epilogue are shared, so the native tests exercise the same driver
//! the browser runs. Packing buffers are thread-local and reused: no allocation per call once
//! they have grown to the largest shape seen.
use std::cell::RefCell;

/// A bias added to C after the product: one value per row of C (`[m]`, e.g. per filter of an
/// im2col convolution `w . cols`) or per column (`[n]`, e.g. per output of `x . w^T`).
#[derive(Clone, Copy, Debug, Default)]
pub enum Bias<'a> {
    #[default]
    None,
    PerRow(&'a [f32]),
    PerCol(&'a [f32]),
}

/// What happens to each element of C after the product, while its tile is still in L1:
/// `C = relu?(C + bias)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Epilogue<'a> {
    pub bias: Bias<'a>,
    pub relu: bool,
}

impl Epilogue<'_> {
    pub const NONE: Epilogue<'static> = Epilogue {
        bias: Bias::None,
        relu: false,
    };

    fn is_none(&self) -> bool {
        matches!(self.bias, Bias::None) && !self.relu
    }
}

/// `C[m, n] = op(A) . op(B)`, or `C += op(A) . op(B)` when `accumulate`. `a` is `[m, k]`
/// (`[k, m]` when `a_trans`), `b` is `[k, n]` (`[n, k]` when `b_trans`), `c` is `[m, n]`.
///
/// Panics if a slice length does not match its dims.
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_trans: bool,
    b: &[f32],
    b_trans: bool,
    c: &mut [f32],
    accumulate: bool,
) {
    sgemm_epilogue(
        m,
        k,
        n,
        a,
        a_trans,
        b,
        b_trans,
        c,
        accumulate,
        Epilogue::NONE,
    );
}

/// [`sgemm`] followed by `C = relu?(C + bias)` (see [`Epilogue`]); with `accumulate` the old C
/// is added before the bias: `C = relu?(C_old + op(A) . op(B) + bias)`.
#[allow(clippy::too_many_arguments)]
pub fn sgemm_epilogue(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_trans: bool,
    b: &[f32],
    b_trans: bool,
    c: &mut [f32],
    accumulate: bool,
    epilogue: Epilogue,
) {
    let p = Problem::new(m, k, n, a, a_trans, b, b_trans, c, accumulate, epilogue);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        run::<wasm::Simd128>(p);
    }
    #[cfg(target_arch = "x86_64")]
    {
        if x86::Avx2Fma::available() {
            run::<x86::Avx2Fma>(p);
        } else {
            run::<Portable>(p);
        }
    }
    #[cfg(not(any(
        all(target_arch = "wasm32", target_feature = "simd128"),
        target_arch = "x86_64"
    )))]
    {
        run::<Portable>(p);
    }
}

/// [`sgemm_epilogue`] forced onto the portable micro-kernel, so native tests can check the
/// shared driver with the kernel that targets without a SIMD kernel run.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn sgemm_portable(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_trans: bool,
    b: &[f32],
    b_trans: bool,
    c: &mut [f32],
    accumulate: bool,
    epilogue: Epilogue,
) {
    run::<Portable>(Problem::new(
        m, k, n, a, a_trans, b, b_trans, c, accumulate, epilogue,
    ));
}

/// Name of the micro-kernel [`sgemm`] uses on this machine (for benchmark reports).
pub fn kernel_name() -> &'static str {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return "wasm-simd128-4x8";
    #[cfg(target_arch = "x86_64")]
    return if x86::Avx2Fma::available() {
        "avx2-fma-6x16"
    } else {
        "portable-4x8"
    };
    #[allow(unreachable_code)]
    "portable-4x8"
}

struct Problem<'a> {
    m: usize,
    k: usize,
    n: usize,
    a: &'a [f32],
    a_trans: bool,
    b: &'a [f32],
    b_trans: bool,
    c: &'a mut [f32],
    accumulate: bool,
    epilogue: Epilogue<'a>,
}

impl<'a> Problem<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        m: usize,
        k: usize,
        n: usize,
        a: &'a [f32],
        a_trans: bool,
        b: &'a [f32],
        b_trans: bool,
        c: &'a mut [f32],
        accumulate: bool,
        epilogue: Epilogue<'a>,
    ) -> Self {
        assert_eq!(a.len(), m * k, "sgemm: a must hold m*k = {m}*{k} values");
        assert_eq!(b.len(), k * n, "sgemm: b must hold k*n = {k}*{n} values");
        assert_eq!(c.len(), m * n, "sgemm: c must hold m*n = {m}*{n} values");
        match epilogue.bias {
            Bias::PerRow(bias) => assert_eq!(bias.len(), m, "sgemm: row bias must hold m values"),
            Bias::PerCol(bias) => {
                assert_eq!(bias.len(), n, "sgemm: column bias must hold n values")
            }
            Bias::None => {}
        }
        Problem {
            m,
            k,
            n,
            a,
            a_trans,
            b,
            b_trans,
            c,
            accumulate,
            epilogue,
        }
    }
}

/// A register-blocked micro-kernel: `C[0..MR, 0..NR] (+)= Ap . Bp` over `kc` steps, where `Ap`
/// holds `kc` groups of `MR` values of A's column and `Bp` `kc` groups of `NR` values of B's row.
trait MicroKernel {
    const MR: usize;
    const NR: usize;
    /// Rows of A packed at a time (a multiple of MR; `MC x KC` A block sized for L2).
    const MC: usize;
    /// Depth of a panel (`KC x NR` B sliver sized for L1).
    const KC: usize;
    /// Columns of B packed at a time (a multiple of NR).
    const NC: usize;

    /// # Safety
    /// `a` has `kc * MR` readable values, `b` `kc * NR`, and `c` points at an `MR x NR` tile
    /// with row stride `ldc` that is readable (when `accumulate`) and writable.
    unsafe fn tile(
        kc: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        accumulate: bool,
    );
}

/// The largest `MR * NR` of any kernel: the edge-tile scratch lives on the stack.
const MAX_TILE: usize = 6 * 16;

thread_local! {
    /// Packed A block and B panel, grown on demand and reused by every call on this thread.
    static PACK: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

fn run<K: MicroKernel>(p: Problem) {
    let Problem {
        m,
        k,
        n,
        a,
        a_trans,
        b,
        b_trans,
        c,
        accumulate,
        epilogue,
    } = p;
    // Edge tiles go through a MAX_TILE stack scratch; a bigger kernel must raise it.
    assert!(K::MR * K::NR <= MAX_TILE);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        apply_epilogue(c, n, 0, 0, m, n, &epilogue);
        return;
    }
    PACK.with(|pack| {
        let mut pack = pack.borrow_mut();
        let (a_pack, b_pack) = &mut *pack;
        // Equal blocks rather than full blocks plus a remainder: k = 288 runs as 144 + 144, not
        // 256 + a 32-deep pass that re-reads and re-writes all of C for little work.
        let (kc_blk, mc_blk, nc_blk) = (
            balanced(k, K::KC, 1),
            balanced(m, K::MC, K::MR),
            balanced(n, K::NC, K::NR),
        );
        let a_need = round_up(mc_blk, K::MR) * kc_blk;
        let b_need = round_up(nc_blk, K::NR) * kc_blk;
        if a_pack.len() < a_need {
            a_pack.resize(a_need, 0.0);
        }
        if b_pack.len() < b_need {
            b_pack.resize(b_need, 0.0);
        }
        for jc in (0..n).step_by(nc_blk) {
            let nc = nc_blk.min(n - jc);
            for pc in (0..k).step_by(kc_blk) {
                let kc = kc_blk.min(k - pc);
                let last_k = pc + kc == k;
                pack_b::<K>(b_pack, b, b_trans, k, n, pc, kc, jc, nc);
                for ic in (0..m).step_by(mc_blk) {
                    let mc = mc_blk.min(m - ic);
                    pack_a::<K>(a_pack, a, a_trans, m, k, ic, mc, pc, kc);
                    for jr in (0..nc).step_by(K::NR) {
                        let nr = K::NR.min(nc - jr);
                        let bp = &b_pack[jr * kc..(jr + K::NR) * kc];
                        for ir in (0..mc).step_by(K::MR) {
                            let mr = K::MR.min(mc - ir);
                            let ap = &a_pack[ir * kc..(ir + K::MR) * kc];
                            let (row, col) = (ic + ir, jc + jr);
                            let add = accumulate || pc > 0;
                            let c_tile = &mut c[row * n + col..];
                            if mr == K::MR && nr == K::NR {
                                debug_assert!(c_tile.len() >= (K::MR - 1) * n + K::NR);
                                // SAFETY: ap/bp hold kc*MR and kc*NR values (sliced above), and the
                                // full MR x NR tile at (row, col) lies inside c (mr, nr not clipped).
                                unsafe {
                                    K::tile(
                                        kc,
                                        ap.as_ptr(),
                                        bp.as_ptr(),
                                        c_tile.as_mut_ptr(),
                                        n,
                                        add,
                                    )
                                };
                            } else {
                                // Edge tile: compute the whole padded tile into scratch, copy the
                                // part that exists.
                                let mut scratch = [0.0f32; MAX_TILE];
                                // SAFETY: scratch is an MR x NR tile with row stride NR.
                                unsafe {
                                    K::tile(
                                        kc,
                                        ap.as_ptr(),
                                        bp.as_ptr(),
                                        scratch.as_mut_ptr(),
                                        K::NR,
                                        false,
                                    )
                                };
                                for i in 0..mr {
                                    let dst = &mut c_tile[i * n..i * n + nr];
                                    let src = &scratch[i * K::NR..i * K::NR + nr];
                                    if add {
                                        dst.iter_mut().zip(src).for_each(|(d, s)| *d += s);
                                    } else {
                                        dst.copy_from_slice(src);
                                    }
                                }
                            }
                            if last_k && !epilogue.is_none() {
                                apply_epilogue(c, n, row, col, mr, nr, &epilogue);
                            }
                        }
                    }
                }
            }
        }
    });
}

/// The block size that cuts `total` into as few blocks of at most `max` as possible, all about
/// equal, rounded up to a multiple of `align` (`max` must be a multiple of `align`).
fn balanced(total: usize, max: usize, align: usize) -> usize {
    let blocks = total.div_ceil(max);
    round_up(total.div_ceil(blocks), align).min(max)
}

fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}

/// `C[row..row+rows, col..col+cols] = relu?(C + bias)`.
fn apply_epilogue(
    c: &mut [f32],
    ldc: usize,
    row: usize,
    col: usize,
    rows: usize,
    cols: usize,
    e: &Epilogue,
) {
    for i in row..row + rows {
        let line = &mut c[i * ldc + col..i * ldc + col + cols];
        match e.bias {
            Bias::None => {}
            Bias::PerRow(bias) => line.iter_mut().for_each(|v| *v += bias[i]),
            Bias::PerCol(bias) => line
                .iter_mut()
                .zip(&bias[col..col + cols])
                .for_each(|(v, b)| *v += b),
        }
        if e.relu {
            // Exactly `cpu::activation_forward`'s ReLU, so fusing changes no bit (note that
            // `f32::max` maps NaN to 0 there as here).
            line.iter_mut().for_each(|v| *v = v.max(0.0));
        }
    }
}

/// Packs `op(A)[ic..ic+mc, pc..pc+kc]` as MR-tall slivers: `dst[(s*kc + p)*MR + r] =
/// op(A)[ic + s*MR + r, pc + p]`, zero past row `m`.
#[allow(clippy::too_many_arguments)]
fn pack_a<K: MicroKernel>(
    dst: &mut [f32],
    a: &[f32],
    a_trans: bool,
    m: usize,
    k: usize,
    ic: usize,
    mc: usize,
    pc: usize,
    kc: usize,
) {
    let mr = K::MR;
    for (s, sliver) in dst[..round_up(mc, mr) * kc]
        .chunks_exact_mut(mr * kc)
        .enumerate()
    {
        let r0 = ic + s * mr;
        let rows = mr.min(ic + mc - r0);
        if a_trans {
            // A stored [k, m]: the MR values of one step are contiguous.
            pack_contiguous(sliver, a, pc * m + r0, m, rows, mr);
        } else {
            // A stored [m, k]: each of the MR rows is contiguous.
            pack_strided(sliver, a, r0 * k + pc, k, rows, mr, kc);
        }
    }
}

/// Packs `op(B)[pc..pc+kc, jc..jc+nc]` as NR-wide slivers: `dst[(s*kc + p)*NR + j] =
/// op(B)[pc + p, jc + s*NR + j]`, zero past column `n`.
#[allow(clippy::too_many_arguments)]
fn pack_b<K: MicroKernel>(
    dst: &mut [f32],
    b: &[f32],
    b_trans: bool,
    k: usize,
    n: usize,
    pc: usize,
    kc: usize,
    jc: usize,
    nc: usize,
) {
    let nr = K::NR;
    for (s, sliver) in dst[..round_up(nc, nr) * kc]
        .chunks_exact_mut(nr * kc)
        .enumerate()
    {
        let c0 = jc + s * nr;
        let cols = nr.min(jc + nc - c0);
        if b_trans {
            // B stored [n, k]: each of the NR columns of op(B) is a contiguous row.
            pack_strided(sliver, b, c0 * k + pc, k, cols, nr, kc);
        } else {
            // B stored [k, n]: the NR values of one step are contiguous.
            pack_contiguous(sliver, b, pc * n + c0, n, cols, nr);
        }
    }
}

/// `sliver[p*w + l] = src[base + p*ld + l]` for `l < lanes`, zero for `lanes <= l < w`.
/// Inlined into the monomorphised packers, so `w` (MR or NR) is a constant and the full-width
/// copy compiles to a few vector moves rather than a `memcpy` call per group.
#[inline(always)]
fn pack_contiguous(
    sliver: &mut [f32],
    src: &[f32],
    base: usize,
    ld: usize,
    lanes: usize,
    w: usize,
) {
    for (p, group) in sliver.chunks_exact_mut(w).enumerate() {
        let start = base + p * ld;
        if lanes == w {
            group.copy_from_slice(&src[start..start + w]);
        } else {
            group[..lanes].copy_from_slice(&src[start..start + lanes]);
            group[lanes..].fill(0.0);
        }
    }
}

/// `sliver[p*w + l] = src[base + l*ld + p]` for `l < lanes` and `p < kc`, zero for
/// `lanes <= l < w`: reads `lanes` contiguous runs, writes each with stride `w`.
#[inline(always)]
fn pack_strided(
    sliver: &mut [f32],
    src: &[f32],
    base: usize,
    ld: usize,
    lanes: usize,
    w: usize,
    kc: usize,
) {
    for l in 0..w {
        let dst = sliver[l..].iter_mut().step_by(w);
        if l < lanes {
            let run = &src[base + l * ld..base + l * ld + kc];
            dst.zip(run).for_each(|(d, v)| *d = *v);
        } else {
            dst.for_each(|d| *d = 0.0);
        }
    }
}

/// Plain Rust 4x8 kernel; LLVM vectorizes the `j` loop with the target's baseline SIMD.
struct Portable;

impl MicroKernel for Portable {
    const MR: usize = 4;
    const NR: usize = 8;
    const MC: usize = 96;
    const KC: usize = 256;
    const NC: usize = 2048;

    unsafe fn tile(
        kc: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        accumulate: bool,
    ) {
        const MR: usize = Portable::MR;
        const NR: usize = Portable::NR;
        // SAFETY: the caller guarantees kc*MR and kc*NR readable values.
        let (a, b) = unsafe {
            (
                std::slice::from_raw_parts(a, kc * MR),
                std::slice::from_raw_parts(b, kc * NR),
            )
        };
        let mut acc = [[0.0f32; NR]; MR];
        for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
            for i in 0..MR {
                for j in 0..NR {
                    acc[i][j] += ap[i] * bp[j];
                }
            }
        }
        for (i, row) in acc.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                // SAFETY: (i, j) lies in the MR x NR tile the caller vouches for.
                unsafe {
                    let dst = c.add(i * ldc + j);
                    *dst = if accumulate { *dst + v } else { *v };
                }
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use super::MicroKernel;
    use core::arch::wasm32::*;

    /// 4x8 tile = 8 f32x4 accumulators, A splatted with `v128.load32_splat` (a plain
    /// broadcast load on x86, no shuffle port). Why not matrixmultiply's 8x8 or a 6x8: V8 on
    /// x86-64 has 16 xmm registers, and LLVM schedules all MR splats of a step before the FMAs,
    /// so 8x8 (16 accumulators) and 6x8 (12 + 2 B + 6 splats) spill every step. Measured in
    /// node 20 (V8 11.3, same driver, interleaved runs) the 4x8 beat 6x8 by 10-40% and 8x8 by
    /// 25-55% on the dense and im2col shapes; only the k = 9 per-image conv1 shape was a tie.
    /// Unrolling the k loop by 2 measured no better.
    pub struct Simd128;

    impl MicroKernel for Simd128 {
        const MR: usize = 4;
        const NR: usize = 8;
        const MC: usize = 96;
        const KC: usize = 256;
        const NC: usize = 2048;

        unsafe fn tile(
            kc: usize,
            a: *const f32,
            b: *const f32,
            c: *mut f32,
            ldc: usize,
            accumulate: bool,
        ) {
            const MR: usize = Simd128::MR;
            let mut lo = [f32x4_splat(0.0); MR];
            let mut hi = [f32x4_splat(0.0); MR];
            for p in 0..kc {
                // SAFETY (whole block): the caller guarantees kc*MR values at a, kc*NR at b,
                // and an MR x NR tile at c with row stride ldc; v128 loads need no alignment.
                unsafe {
                    let b0 = v128_load(b.add(p * 8) as *const v128);
                    let b1 = v128_load(b.add(p * 8 + 4) as *const v128);
                    for i in 0..MR {
                        let ai = v128_load32_splat(a.add(p * MR + i) as *const u32);
                        lo[i] = f32x4_add(lo[i], f32x4_mul(ai, b0));
                        hi[i] = f32x4_add(hi[i], f32x4_mul(ai, b1));
                    }
                }
            }
            for i in 0..MR {
                unsafe {
                    let c0 = c.add(i * ldc) as *mut v128;
                    let c1 = c.add(i * ldc + 4) as *mut v128;
                    if accumulate {
                        lo[i] = f32x4_add(lo[i], v128_load(c0));
                        hi[i] = f32x4_add(hi[i], v128_load(c1));
                    }
                    v128_store(c0, lo[i]);
                    v128_store(c1, hi[i]);
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::MicroKernel;
    use std::arch::x86_64::*;

    /// 6x16 tile = 12 ymm accumulators (the classic Haswell shape: enough independent FMAs to
    /// cover their latency on two ports), chosen at run time where the CPU has AVX2 and FMA.
    pub struct Avx2Fma;

    impl Avx2Fma {
        pub fn available() -> bool {
            is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
        }
    }

    impl MicroKernel for Avx2Fma {
        const MR: usize = 6;
        const NR: usize = 16;
        const MC: usize = 96;
        const KC: usize = 256;
        const NC: usize = 2048;

        unsafe fn tile(
            kc: usize,
            a: *const f32,
            b: *const f32,
            c: *mut f32,
            ldc: usize,
            accumulate: bool,
        ) {
            // SAFETY: only chosen after `available()`; pointer contract forwarded.
            unsafe { tile_avx2(kc, a, b, c, ldc, accumulate) }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn tile_avx2(
        kc: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        accumulate: bool,
    ) {
        const MR: usize = 6;
        let mut lo = [_mm256_setzero_ps(); MR];
        let mut hi = [_mm256_setzero_ps(); MR];
        for p in 0..kc {
            // SAFETY (whole block): see MicroKernel::tile; loads and stores are unaligned.
            unsafe {
                let b0 = _mm256_loadu_ps(b.add(p * 16));
                let b1 = _mm256_loadu_ps(b.add(p * 16 + 8));
                for i in 0..MR {
                    let ai = _mm256_broadcast_ss(&*a.add(p * MR + i));
                    lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
                    hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
                }
            }
        }
        for i in 0..MR {
            unsafe {
                let c0 = c.add(i * ldc);
                let c1 = c.add(i * ldc + 8);
                if accumulate {
                    lo[i] = _mm256_add_ps(lo[i], _mm256_loadu_ps(c0));
                    hi[i] = _mm256_add_ps(hi[i], _mm256_loadu_ps(c1));
                }
                _mm256_storeu_ps(c0, lo[i]);
                _mm256_storeu_ps(c1, hi[i]);
            }
        }
    }
}
