//! Packing of A and B into the micro-kernel's sliver layouts (BLIS/GotoBLAS): A as `MR`-tall
//! slivers, B as `NR`-wide slivers, both zero-padded to whole slivers so the micro-kernel never
//! branches on edges.
//!
//! Both operands are seen the same way, as a matrix `[outer, depth]`: A's `op(A) [m, k]` and B's
//! `op(B)^T [n, k]`. A sliver is `w` (MR or NR) consecutive outer indices over `kc` depth steps,
//! laid out depth-major: `sliver[p*w + l] = M[l0 + l, p0 + p]`. An [`Operand`] knows how to
//! write such a sliver; [`Dense`] reads a stored matrix, and `cpu::im2col` reads a convolution's
//! receptive fields straight from its input, so no im2col matrix is written and then re-read.
use super::MicroKernel;

/// A matrix the driver packs from, seen as `[outer, depth]` (see the module doc).
pub trait Operand {
    /// Writes `sliver[p*w + l] = M[l0 + l, p0 + p]` for `l < lanes`, `p < kc`, and zero for
    /// `lanes <= l < w`. `sliver` holds exactly `w * kc` values.
    fn pack_sliver(
        &self,
        sliver: &mut [f32],
        w: usize,
        l0: usize,
        lanes: usize,
        p0: usize,
        kc: usize,
    );
}

impl<T: Operand + ?Sized> Operand for &T {
    #[inline(always)]
    fn pack_sliver(
        &self,
        sliver: &mut [f32],
        w: usize,
        l0: usize,
        lanes: usize,
        p0: usize,
        kc: usize,
    ) {
        (**self).pack_sliver(sliver, w, l0, lanes, p0, kc)
    }
}

/// A row-major stored matrix. `depth_contiguous`: `M[o, p]` is `data[o*ld + p]` (A stored
/// `[m, k]`, or B stored transposed `[n, k]`); otherwise `data[p*ld + o]` (A stored
/// transposed `[k, m]`, or B stored `[k, n]`).
pub struct Dense<'a> {
    pub data: &'a [f32],
    pub ld: usize,
    pub depth_contiguous: bool,
}

impl Operand for Dense<'_> {
    #[inline(always)]
    fn pack_sliver(
        &self,
        sliver: &mut [f32],
        w: usize,
        l0: usize,
        lanes: usize,
        p0: usize,
        kc: usize,
    ) {
        if self.depth_contiguous {
            pack_strided(sliver, self.data, l0 * self.ld + p0, self.ld, lanes, w, kc);
        } else {
            pack_contiguous(sliver, self.data, p0 * self.ld + l0, self.ld, lanes, w);
        }
    }
}

/// Packs `op(A)[ic..ic+mc, pc..pc+kc]` as MR-tall slivers: `dst[(s*kc + p)*MR + r] =
/// op(A)[ic + s*MR + r, pc + p]`, zero past row `m`.
#[allow(clippy::too_many_arguments)]
pub(super) fn pack_a<K: MicroKernel, A: Operand>(
    dst: &mut [f32],
    a: &A,
    ic: usize,
    mc: usize,
    pc: usize,
    kc: usize,
) {
    pack_panel(dst, a, K::MR, ic, mc, pc, kc);
}

/// Packs `op(B)[pc..pc+kc, jc..jc+nc]` as NR-wide slivers: `dst[(s*kc + p)*NR + j] =
/// op(B)[pc + p, jc + s*NR + j]`, zero past column `n`.
pub(super) fn pack_b<K: MicroKernel, B: Operand>(
    dst: &mut [f32],
    b: &B,
    pc: usize,
    kc: usize,
    jc: usize,
    nc: usize,
) {
    pack_panel(dst, b, K::NR, jc, nc, pc, kc);
}

#[inline(always)]
fn pack_panel<M: Operand>(
    dst: &mut [f32],
    m: &M,
    w: usize,
    o0: usize,
    count: usize,
    pc: usize,
    kc: usize,
) {
    for (s, sliver) in dst[..round_up(count, w) * kc]
        .chunks_exact_mut(w * kc)
        .enumerate()
    {
        let l0 = o0 + s * w;
        let lanes = w.min(o0 + count - l0);
        m.pack_sliver(sliver, w, l0, lanes, pc, kc);
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
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if lanes == w && w.is_multiple_of(4) {
        return transpose_4x4_blocks(sliver, src, base, ld, w, kc);
    }
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

/// [`pack_strided`] for full slivers whose width is a multiple of 4, in the browser: four rows'
/// next four depth values are loaded as four vectors and transposed in registers (eight
/// shuffles), so each store writes four lanes of one depth step. A dense layer's forward
/// product `x . w^T` packs both operands this way (`x [batch, in]` and `w [out, in]` both run
/// along the depth): with the scalar scatter (one 4-byte store per value, stride `w`) the MLP's
/// 128 x 784 x 128 forward took ~0.82 ms in Chromium against ~0.65 ms for its weight gradient
/// of the same size (packed by plain copies); with this, ~0.66-0.71 ms
/// (`tests/wasm_mlp_bench.rs`).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn transpose_4x4_blocks(
    sliver: &mut [f32],
    src: &[f32],
    base: usize,
    ld: usize,
    w: usize,
    kc: usize,
) {
    assert!(sliver.len() >= w * kc && base + (w - 1) * ld + kc <= src.len());
    let body = kc - kc % 4;
    for l4 in (0..w).step_by(4) {
        let row = |i: usize| base + (l4 + i) * ld;
        for p in (0..body).step_by(4) {
            // SAFETY: rows l4..l4+4 < w each have kc values from `row(i)` (asserted above) and
            // p + 4 <= kc; the stores land at (p + j) * w + l4 + 0..4 < kc * w.
            unsafe {
                let from = src.as_ptr().add(row(0) + p);
                transpose_4x4(from, ld, sliver.as_mut_ptr().add(p * w + l4), w);
            }
        }
        for p in body..kc {
            for i in 0..4 {
                sliver[p * w + l4 + i] = src[row(i) + p];
            }
        }
    }
}

/// Copies the transpose of the 4x4 block at `src` (rows `ld` apart) to `dst` (rows `w` apart):
/// four vector loads, eight shuffles, four stores.
///
/// # Safety
/// `src` must be valid for reads at `i*ld .. i*ld + 4` and `dst` for writes at `j*w .. j*w + 4`,
/// for `i, j < 4`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
pub(crate) unsafe fn transpose_4x4(src: *const f32, ld: usize, dst: *mut f32, w: usize) {
    use core::arch::wasm32::*;
    // SAFETY: the caller vouches for the four 4-value rows at src + i*ld and dst + j*w.
    unsafe {
        let r = [0, 1, 2, 3].map(|i| v128_load(src.add(i * ld) as *const v128));
        store_transposed_4x4(dst, w, r);
    }
}

/// Stores the transpose of the 4x4 block whose rows are `r`: `dst[j*w + i] = r[i][j]` (eight
/// shuffles, four stores of one depth step each).
///
/// # Safety
/// `dst` must be valid for writes at `j*w .. j*w + 4` for `j < 4`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
pub(crate) unsafe fn store_transposed_4x4(
    dst: *mut f32,
    w: usize,
    r: [core::arch::wasm32::v128; 4],
) {
    use core::arch::wasm32::*;
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r[0], r[1]);
    let t1 = i32x4_shuffle::<0, 4, 1, 5>(r[2], r[3]);
    let t2 = i32x4_shuffle::<2, 6, 3, 7>(r[0], r[1]);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r[2], r[3]);
    // SAFETY: the caller vouches for the four 4-value rows at dst + j*w.
    unsafe {
        v128_store(dst as *mut v128, i32x4_shuffle::<0, 1, 4, 5>(t0, t1));
        v128_store(dst.add(w) as *mut v128, i32x4_shuffle::<2, 3, 6, 7>(t0, t1));
        v128_store(
            dst.add(2 * w) as *mut v128,
            i32x4_shuffle::<0, 1, 4, 5>(t2, t3),
        );
        v128_store(
            dst.add(3 * w) as *mut v128,
            i32x4_shuffle::<2, 3, 6, 7>(t2, t3),
        );
    }
}

pub(super) fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}
