//! The blocking driver shared by every micro-kernel: checks the shapes, cuts the product into
//! `KC x NC` panels of B and `MC x KC` blocks of A, packs them (pack.rs), runs the micro-kernel on
//! every `MR x NR` tile (full tiles in place, edge tiles through a stack scratch) and applies the
//! bias/ReLU epilogue while a tile is still in L1.
use super::pack::{pack_a, pack_b, round_up, Dense, Operand};
use super::{Bias, Epilogue, MicroKernel};
use std::cell::RefCell;

pub(super) struct Problem<'a, A, B> {
    m: usize,
    k: usize,
    n: usize,
    a: A,
    b: B,
    c: &'a mut [f32],
    accumulate: bool,
    epilogue: Epilogue<'a>,
}

impl<'a> Problem<'a, Dense<'a>, Dense<'a>> {
    /// A product of two stored matrices (see `sgemm` for the layouts), lengths checked.
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
        // op(A) [m, k]: depth (k) runs along A's rows unless A is stored transposed; op(B)^T
        // [n, k]: depth runs along B's rows only when B is stored transposed.
        let a = Dense {
            data: a,
            ld: if a_trans { m } else { k },
            depth_contiguous: !a_trans,
        };
        let b = Dense {
            data: b,
            ld: if b_trans { k } else { n },
            depth_contiguous: b_trans,
        };
        Problem::with_operands(m, k, n, a, b, c, accumulate, epilogue)
    }
}

impl<'a, A: Operand, B: Operand> Problem<'a, A, B> {
    /// A product whose operands pack themselves (`op(A) [m, k]`, `op(B) [k, n]`); the caller
    /// vouches for their extents, the output and bias lengths are checked here.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn with_operands(
        m: usize,
        k: usize,
        n: usize,
        a: A,
        b: B,
        c: &'a mut [f32],
        accumulate: bool,
        epilogue: Epilogue<'a>,
    ) -> Self {
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
            b,
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

pub(super) fn run<K: MicroKernel, A: Operand, B: Operand>(p: Problem<A, B>) {
    let Problem {
        m,
        k,
        n,
        a,
        b,
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
    // A bias on a fresh C seeds the tile before the kernel accumulates onto it: the kernel
    // adds the products to C last (`products + bias`, the same sum in the same order as adding
    // the bias after), and no pass re-reads C for it (the bias pass was 5% of a CNN step
    // natively, more than the ReLU and pool passes). With `accumulate` the bias must come after
    // the old C, so it stays in the late epilogue, with the ReLU.
    let seeded = !accumulate && !matches!(epilogue.bias, Bias::None);
    let late = Epilogue {
        bias: if seeded { Bias::None } else { epilogue.bias },
        relu: epilogue.relu,
    };
    PACK.with(|pack| {
        let mut pack = pack.borrow_mut();
        let (a_pack, b_pack) = &mut *pack;
        // Equal blocks rather than full blocks plus a remainder: k = 288 runs as 144 + 144, not
        // 256 + a 32-deep pass that re-reads and re-writes all of C for little work.
        let (kc_blk, mc_blk, nc_blk) = (
            depth_block_len(k, K::KC),
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
                pack_b::<K, B>(b_pack, &b, pc, kc, jc, nc);
                for ic in (0..m).step_by(mc_blk) {
                    let mc = mc_blk.min(m - ic);
                    pack_a::<K, A>(a_pack, &a, ic, mc, pc, kc);
                    for jr in (0..nc).step_by(K::NR) {
                        let nr = K::NR.min(nc - jr);
                        let bp = &b_pack[jr * kc..(jr + K::NR) * kc];
                        for ir in (0..mc).step_by(K::MR) {
                            let mr = K::MR.min(mc - ir);
                            let ap = &a_pack[ir * kc..(ir + K::MR) * kc];
                            let (row, col) = (ic + ir, jc + jr);
                            let tile = Tile {
                                row,
                                col,
                                rows: mr,
                                cols: nr,
                                kc,
                            };
                            // The first depth block of a fresh C starts from the bias (seeded),
                            // later ones add onto what the earlier ones left.
                            let start = if accumulate || pc > 0 {
                                Start::Add
                            } else if !seeded {
                                Start::Zero
                            } else {
                                Start::Bias(epilogue.bias)
                            };
                            run_tile::<K>(c, n, ap, bp, &tile, start);
                            if last_k && !late.is_none() {
                                apply_epilogue(c, n, row, col, mr, nr, &late);
                            }
                        }
                    }
                }
            }
        }
    });
}

/// Where an `MR x NR` tile of C lies, how much of it exists (edge tiles are clipped) and the
/// depth of the packed slivers it multiplies.
struct Tile {
    row: usize,
    col: usize,
    rows: usize,
    cols: usize,
    kc: usize,
}

/// What a tile's products are added to.
#[derive(Clone, Copy)]
enum Start<'a> {
    Zero,
    /// The C already there (accumulating, or a later depth block).
    Add,
    Bias(Bias<'a>),
}

/// `C[tile] = start + Ap . Bp`: full tiles in place, edge tiles through a stack scratch of the
/// whole padded tile, of which only the part that exists is copied out.
fn run_tile<K: MicroKernel>(
    c: &mut [f32],
    n: usize,
    ap: &[f32],
    bp: &[f32],
    t: &Tile,
    start: Start,
) {
    let c_tile = &mut c[t.row * n + t.col..];
    if t.rows == K::MR && t.cols == K::NR {
        debug_assert!(c_tile.len() >= (K::MR - 1) * n + K::NR);
        if let Start::Bias(bias) = start {
            seed_bias::<K>(c_tile, n, K::MR, K::NR, t, bias);
        }
        // SAFETY: ap/bp hold kc*MR and kc*NR values (the driver slices them so), and the full
        // MR x NR tile at (row, col) lies inside c (rows, cols not clipped).
        unsafe {
            K::tile(
                t.kc,
                ap.as_ptr(),
                bp.as_ptr(),
                c_tile.as_mut_ptr(),
                n,
                !matches!(start, Start::Zero),
            )
        };
        return;
    }
    let mut scratch = [0.0f32; MAX_TILE];
    if let Start::Bias(bias) = start {
        seed_bias::<K>(&mut scratch, K::NR, t.rows, t.cols, t, bias);
    }
    // SAFETY: scratch is an MR x NR tile with row stride NR.
    unsafe {
        K::tile(
            t.kc,
            ap.as_ptr(),
            bp.as_ptr(),
            scratch.as_mut_ptr(),
            K::NR,
            matches!(start, Start::Bias(_)),
        )
    };
    for i in 0..t.rows {
        let dst = &mut c_tile[i * n..i * n + t.cols];
        let src = &scratch[i * K::NR..i * K::NR + t.cols];
        if matches!(start, Start::Add) {
            dst.iter_mut().zip(src).for_each(|(d, s)| *d += s);
        } else {
            dst.copy_from_slice(src);
        }
    }
}

/// Writes the bias of tile `t` into its `rows x cols` corner of `dst` (row stride `ld`).
#[inline(always)]
fn seed_bias<K: MicroKernel>(
    dst: &mut [f32],
    ld: usize,
    rows: usize,
    cols: usize,
    t: &Tile,
    bias: Bias,
) {
    // A full tile's rows at the constant width NR: a few vector moves. At a width known only at
    // run time the copy and fill are `memory.copy`/`memory.fill` in wasm, which V8 runs as
    // calls (a dense layer's forward seeds MR rows of every tile).
    let seed = |line: &mut [f32], i: usize| match bias {
        Bias::None => line.fill(0.0),
        Bias::PerRow(b) => line.fill(b[t.row + i]),
        Bias::PerCol(b) => line.copy_from_slice(&b[t.col..t.col + line.len()]),
    };
    for i in 0..rows {
        if cols == K::NR {
            seed(&mut dst[i * ld..i * ld + K::NR], i);
        } else {
            seed(&mut dst[i * ld..i * ld + cols], i);
        }
    }
}

/// The depth of each cache block (the last may be shorter) of a product of depth `k`.
pub(super) fn depth_block_len(k: usize, kc: usize) -> usize {
    balanced(k, kc, 1)
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
