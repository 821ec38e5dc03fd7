//! The blocking driver shared by every micro-kernel: checks the shapes, cuts the product into
//! `KC x NC` panels of B and `MC x KC` blocks of A, packs them (pack.rs), runs the micro-kernel on
//! every `MR x NR` tile (full tiles in place, edge tiles through a stack scratch) and applies the
//! bias/ReLU epilogue while a tile is still in L1.
use super::pack::{pack_a, pack_b, round_up};
use super::{Bias, Epilogue, MicroKernel};
use std::cell::RefCell;

pub(super) struct Problem<'a> {
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
    pub(super) fn new(
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

/// The largest `MR * NR` of any kernel: the edge-tile scratch lives on the stack.
const MAX_TILE: usize = 6 * 16;

thread_local! {
    /// Packed A block and B panel, grown on demand and reused by every call on this thread.
    static PACK: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

pub(super) fn run<K: MicroKernel>(p: Problem) {
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
