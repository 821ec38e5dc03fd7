//! Packing of A and B into the micro-kernel's sliver layouts (BLIS/GotoBLAS): A as `MR`-tall
//! slivers, B as `NR`-wide slivers, both zero-padded to whole slivers so the micro-kernel never
//! branches on edges.
use super::MicroKernel;

/// Packs `op(A)[ic..ic+mc, pc..pc+kc]` as MR-tall slivers: `dst[(s*kc + p)*MR + r] =
/// op(A)[ic + s*MR + r, pc + p]`, zero past row `m`.
#[allow(clippy::too_many_arguments)]
pub(super) fn pack_a<K: MicroKernel>(
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
pub(super) fn pack_b<K: MicroKernel>(
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

pub(super) fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}
