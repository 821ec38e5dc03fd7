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

pub(super) fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}
