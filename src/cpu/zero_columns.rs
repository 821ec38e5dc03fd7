//! Dense products that skip the input columns that are zero in every sample of the batch.
//!
//! An MNIST digit leaves its border black: of the 784 pixels, 527 are non-zero in some image of
//! a random batch of 128 (on average; 495 of 64, 455 of 32), so a third of the first layer's
//! `x . w^T` and `dy^T . x`, the two products that are ~90% of an MLP step, multiply by zero.
//! Here those columns are left out: the products run over the batch's *active* columns only,
//! through operands that pack the kept columns straight into the micro-kernel's slivers (no
//! compacted copy of `x` or `w` is written), and the weight gradient's skipped columns are
//! exactly zero.
//!
//! The sums are the dense ones minus terms that are exactly zero (`0 * w`), taken in the same
//! order and cut into the same depth blocks, so the results are [`super::gemm::sgemm`]'s bit for
//! bit, but for the sign of a zero and where a weight is not finite (a NaN times zero is NaN in
//! the dense product; a diverged run shows NaN in its loss either way).
use super::gemm::{depth_blocks, gemm_operands, Bias, Dense, Epilogue, Operand};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

/// Leave columns out only when at most this share of them is active: the gathers of the
/// packing cost more per value than the plain copies, and the scan is wasted on a full batch.
const MOST_ACTIVE: f32 = 0.9;
/// Products with fewer outputs than this per input value stay dense: the scan of `x` would be a
/// noticeable share of a product that small (e.g. a 10-way classifier on 128 hidden units).
const MIN_OUTPUTS: usize = 32;

/// Off: every product runs dense, here and in `sparse_input` (the step profiles time both ways
/// in one run).
static SKIPPING: AtomicBool = AtomicBool::new(true);

/// Turn the skipping on or off for every thread (benchmarks: the results are the same).
#[doc(hidden)]
pub fn set_skipping(on: bool) {
    SKIPPING.store(on, Ordering::Relaxed);
}

/// Whether products may leave out zeros (also read by `sparse_input`).
pub(crate) fn skipping() -> bool {
    SKIPPING.load(Ordering::Relaxed)
}

thread_local! {
    /// The active columns and the weight gradient over them, reused by every call on this thread.
    static SCRATCH: RefCell<(Vec<u32>, Vec<u32>, Vec<f32>)> =
        const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
}

/// The columns of `x [rows, n_in]` that are non-zero (NaN included; -0 counts as zero) in some
/// row, in order, written into `cols`; `bits` is scratch.
pub fn active_columns(x: &[f32], n_in: usize, bits: &mut Vec<u32>, cols: &mut Vec<u32>) {
    bits.clear();
    bits.resize(n_in, 0);
    for row in x.chunks_exact(n_in) {
        for (b, v) in bits.iter_mut().zip(row) {
            *b |= v.to_bits();
        }
    }
    cols.clear();
    // Shifting out the sign bit: -0.0 is a zero too.
    cols.extend((0..n_in as u32).filter(|&i| bits[i as usize] << 1 != 0));
}

/// `run(cols, scratch)` with the active columns of `x [rows, n_in]` when a product with `n_out`
/// outputs per input value should leave the others out, else None. `scratch` is a buffer kept
/// from call to call.
fn with_active_columns<R>(
    x: &[f32],
    n_in: usize,
    n_out: usize,
    run: impl FnOnce(&[u32], &mut Vec<f32>) -> R,
) -> Option<R> {
    if n_in == 0 || n_out < MIN_OUTPUTS || !skipping() {
        return None;
    }
    SCRATCH.with(|s| {
        let (bits, cols, scratch) = &mut *s.borrow_mut();
        active_columns(x, n_in, bits, cols);
        let worth = !cols.is_empty() && (cols.len() as f32) <= MOST_ACTIVE * n_in as f32;
        worth.then(|| run(cols, scratch))
    })
}

/// `y[b, o] = sum_i x[b, i] * w[o, i] + bias[o]` over the active columns of `x` only. Returns
/// false (and writes nothing) when too many columns are active for that to pay: then the
/// caller runs the dense product.
pub fn forward_skipping_zeros(
    y: &mut [f32],
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> bool {
    with_active_columns(x, n_in, n_out, |cols, _| {
        // The dense product sums each depth block on its own and adds it to y: the active
        // columns of each block run as one product, so every sum is the dense one minus its
        // zero terms, in the same order (the same bits: a sample's output does not depend on
        // which other samples share its batch).
        let mut first = true;
        let mut at = 0;
        for block in depth_blocks(n_in) {
            let end = at + cols[at..].partition_point(|&c| (c as usize) < block.end);
            let part = &cols[at..end];
            at = end;
            if part.is_empty() {
                continue;
            }
            // op(A) = x[:, part] and op(B)^T = w[:, part]: both read along their rows.
            let a = Columns::along_rows(x, n_in, part);
            let b = Columns::along_rows(w, n_in, part);
            let epilogue = if first {
                Epilogue {
                    bias: Bias::PerCol(bias),
                    relu: false,
                }
            } else {
                Epilogue::NONE
            };
            gemm_operands(batch, part.len(), n_out, a, b, y, !first, epilogue);
            first = false;
        }
    })
    .is_some()
}

/// `dw = dy^T . x` over the active columns of `x`, zero in the others (`dw [n_out, n_in]`
/// overwritten). Returns false (and writes nothing) when the dense product should run instead.
pub fn weight_gradient_skipping_zeros(
    dw: &mut [f32],
    dy: &[f32],
    x: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> bool {
    with_active_columns(x, n_in, n_out, |cols, dw_active| {
        let k = cols.len();
        dw_active.resize(n_out * k, 0.0);
        // op(A) = dy^T [n_out, batch]; op(B) = x[:, cols] [batch, k], seen as [k, batch].
        let a = Dense {
            data: dy,
            ld: n_out,
            depth_contiguous: false,
        };
        let b = Columns::across_rows(x, n_in, cols);
        gemm_operands(n_out, batch, k, a, b, dw_active, false, Epilogue::NONE);
        scatter_columns(dw, dw_active, n_in, cols);
    })
    .is_some()
}

/// `dst[r, cols[j]] = src[r, j]` for every row `r`, zero in the columns not in `cols`. (Copying
/// run by run instead measured no faster in Chromium: the fill and the stores cost about the same
/// as the run bookkeeping and short copies.)
fn scatter_columns(dst: &mut [f32], src: &[f32], n: usize, cols: &[u32]) {
    for (out, row) in dst.chunks_exact_mut(n).zip(src.chunks_exact(cols.len())) {
        out.fill(0.0);
        for (&c, &v) in cols.iter().zip(row) {
            out[c as usize] = v;
        }
    }
}

/// `group[l] = rows[l*ld + c]` for `l < lanes`, zero above: one depth step of a sliver.
#[inline(always)]
fn gather_column(group: &mut [f32], rows: &[f32], ld: usize, lanes: usize, c: usize) {
    for (l, v) in group[..lanes].iter_mut().enumerate() {
        // SAFETY: l < lanes and c < ld (checked in `Columns::new`), and `rows` holds `lanes`
        // rows of `ld`, so l*ld + c < rows.len().
        *v = unsafe { *rows.get_unchecked(l * ld + c) };
    }
    group[lanes..].fill(0.0);
}

/// A full sliver of `w` rows (`w` a multiple of 4) over the depth steps `cols`: where four
/// consecutive steps are four adjacent columns (most of them: a digit's pixels come in runs
/// along its rows), four rows' four values are loaded as vectors and transposed in registers,
/// as the dense packer does; the other steps gather one value per row. The forward product
/// packs both of its operands (`x` and `w`) this way: with gathers alone its packing cost about
/// a fifth of the product.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn transpose_runs(sliver: &mut [f32], rows: &[f32], ld: usize, cols: &[u32], w: usize) {
    use super::gemm::transpose_4x4;
    let kc = cols.len();
    assert!(sliver.len() >= w * kc && rows.len() >= w * ld);
    let mut p = 0;
    while p < kc {
        let c = cols[p] as usize;
        if p + 4 <= kc && cols[p + 3] as usize == c + 3 {
            for l4 in (0..w).step_by(4) {
                // SAFETY: cols ascend below ld (checked in `Columns::new`), so c + 3 < ld and
                // rows l4..l4+4 < w each have values c..c+4 (rows.len() >= w*ld, asserted);
                // the stores land at (p + j)*w + l4 + 0..4 < kc*w (p + 4 <= kc).
                unsafe {
                    let from = rows.as_ptr().add(l4 * ld + c);
                    transpose_4x4(from, ld, sliver.as_mut_ptr().add(p * w + l4), w);
                }
            }
            p += 4;
        } else {
            gather_column(&mut sliver[p * w..(p + 1) * w], rows, ld, w, c);
            p += 1;
        }
    }
}

/// Columns `cols` of a row-major `data [rows, ld]`, as a GEMM operand.
struct Columns<'a> {
    data: &'a [f32],
    ld: usize,
    cols: &'a [u32],
    /// Seen as `[rows, cols.len()]` (`M[o, p] = data[o*ld + cols[p]]`, depth along the rows),
    /// else as `[cols.len(), rows]` (`M[o, p] = data[p*ld + cols[o]]`).
    depth_along_rows: bool,
}

impl<'a> Columns<'a> {
    /// `cols` ascending, every one below `ld` (as [`active_columns`] writes them).
    fn new(data: &'a [f32], ld: usize, cols: &'a [u32], depth_along_rows: bool) -> Self {
        assert!(cols.last().is_none_or(|&c| (c as usize) < ld));
        Columns {
            data,
            ld,
            cols,
            depth_along_rows,
        }
    }

    fn along_rows(data: &'a [f32], ld: usize, cols: &'a [u32]) -> Self {
        Self::new(data, ld, cols, true)
    }

    fn across_rows(data: &'a [f32], ld: usize, cols: &'a [u32]) -> Self {
        Self::new(data, ld, cols, false)
    }
}

impl Operand for Columns<'_> {
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
        let (data, ld) = (self.data, self.ld);
        if self.depth_along_rows {
            // Each depth step gathers one column from `lanes` rows.
            let rows = &data[l0 * ld..(l0 + lanes) * ld];
            let cols = &self.cols[p0..p0 + kc];
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            if lanes == w && w.is_multiple_of(4) {
                return transpose_runs(sliver, rows, ld, cols, w);
            }
            for (group, &c) in sliver.chunks_exact_mut(w).zip(cols) {
                gather_column(group, rows, ld, lanes, c as usize);
            }
        } else {
            // Each depth step gathers `lanes` columns of one row: a plain copy when they are
            // one run (most slivers: a digit's pixels come in runs along its rows).
            let cols = &self.cols[l0..l0 + lanes];
            let first = cols[0] as usize;
            let run = cols[lanes - 1] as usize - first == lanes - 1;
            for (p, group) in sliver.chunks_exact_mut(w).take(kc).enumerate() {
                let row = &data[(p0 + p) * ld..(p0 + p + 1) * ld];
                if run && lanes == w {
                    // `w` is the kernel's constant NR here (inlined): vector moves, no call.
                    group.copy_from_slice(&row[first..first + w]);
                } else if run {
                    group[..lanes].copy_from_slice(&row[first..first + lanes]);
                } else {
                    for (v, &c) in group.iter_mut().zip(cols) {
                        *v = row[c as usize];
                    }
                }
                group[lanes..].fill(0.0);
            }
        }
    }
}
