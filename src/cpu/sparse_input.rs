//! A dense layer's two big products over an input that is mostly zeros, in the browser: an
//! MNIST digit lights ~150 of its 784 pixels, so even over the columns some image of a batch
//! lights ([`super::zero_columns`]) seven products in ten multiply a zero. Here each product
//! runs over the non-zero values alone, as broadcast multiply-adds of contiguous rows:
//!
//! - forward, `y[b, :] = bias + sum_c x[b, c] * w[:, c]`: each sample's non-zero pixels pick rows
//!   of `w^T` (transposed once per call), summed in registers 32 outputs at a time;
//! - weight gradient, `dw[:, c] = sum_b dy[b, :] * x[b, c]`: each pixel's non-zero samples pick
//!   rows of `dy`, summed the same way into a row of `dw^T`, transposed into `dw` at the end.
//!
//! The sums are the dense product's minus its zero terms, in the same order, cut into the same
//! depth blocks and with the same multiply-add (fused in the relaxed-SIMD build) as the
//! micro-kernel, so the results are [`super::gemm::sgemm`]'s bit for bit (but for the sign of a
//! zero and non-finite weights, as in `zero_columns`), and a sample's outputs do not depend on
//! its batch-mates.
//!
//! Only in wasm with simd128 (the page's builds): natively the products run as before.

/// Take this path when at most this share of the input is non-zero: MNIST batches are ~19%
/// non-zero, Fashion-MNIST ~50% (where the packed micro-kernel over the active columns wins).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
const MOST_NONZERO: f32 = 0.3;

/// `y[b, o] = sum_i x[b, i] * w[o, i] + bias[o]` over the non-zero values of `x` only. Returns
/// false (and writes nothing) where this does not apply: then the caller runs another product.
pub fn forward_sparse(
    y: &mut [f32],
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> bool {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return simd::forward(y, x, w, bias, batch, n_in, n_out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        let _ = (y, x, w, bias, batch, n_in, n_out);
        false
    }
}

/// `dw = dy^T . x` over the non-zero values of `x` only (`dw [n_out, n_in]` overwritten, exact
/// zeros where a column of `x` is zero). Returns false (and writes nothing) where this does not
/// apply.
pub fn weight_gradient_sparse(
    dw: &mut [f32],
    dy: &[f32],
    x: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> bool {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return simd::weight_gradient(dw, dy, x, batch, n_in, n_out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        let _ = (dw, dy, x, batch, n_in, n_out);
        false
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::MOST_NONZERO;
    use crate::cpu::gemm::{depth_blocks, madd, transpose_4x4};
    use core::arch::wasm32::*;
    use std::cell::RefCell;

    /// The micro-kernel's multiply-add: fused in the relaxed-SIMD build.
    const FUSED: bool = cfg!(target_feature = "relaxed-simd");
    /// Outputs summed in registers at a time (8 vectors; 16 xmm registers in V8 on x86-64).
    const CHUNK: usize = 32;
    /// Fewer outputs than this stay on the packed products (as in `zero_columns`).
    const MIN_OUTPUTS: usize = 32;

    /// Non-zero values of the input, by row and by column, and a transposed matrix: reused by
    /// every call on this thread.
    #[derive(Default)]
    struct Scratch {
        /// Row `r`'s non-zeros are `at[starts[r]..starts[r + 1]]` (index, value), index ascending
        /// (`at` is longer: its tail is room for the next call).
        starts: Vec<usize>,
        at: Vec<(u32, f32)>,
        by_col_starts: Vec<usize>,
        by_col: Vec<(u32, f32)>,
        /// `list_columns`' write position in each column.
        cursor: Vec<usize>,
        transposed: Vec<f32>,
    }

    thread_local! {
        static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
    }

    /// Lists the non-zero values of `x [rows, n]` by row into `s`; false when more than
    /// MOST_NONZERO of them are non-zero (the lists are then incomplete). Four values at a time:
    /// most groups of four pixels are all black and cost one compare (a branch per value took
    /// 0.11 ms for a batch of 128 digits).
    fn list_rows(s: &mut Scratch, x: &[f32], n: usize) -> bool {
        let limit = (MOST_NONZERO * x.len() as f32) as usize;
        s.starts.clear();
        // Room for a whole row past the limit (the check comes after each row), kept from call
        // to call: refilling it each time cost as much as the scan.
        if s.at.len() < limit + n {
            s.at.resize(limit + n, (0, 0.0));
        }
        let mut len = 0;
        let body = n - n % 4;
        for row in x.chunks_exact(n) {
            s.starts.push(len);
            for c0 in (0..body).step_by(4) {
                // SAFETY: c0 + 4 <= body <= row.len().
                let v = unsafe { v128_load(row.as_ptr().add(c0) as *const v128) };
                // Shifting out the sign bit: -0.0 is a zero too (NaN is not).
                let nonzero = i32x4_ne(i32x4_shl(v, 1), i32x4_splat(0));
                let mut mask = i32x4_bitmask(nonzero);
                while mask != 0 {
                    let c = c0 + mask.trailing_zeros() as usize;
                    s.at[len] = (c as u32, row[c]);
                    len += 1;
                    mask &= mask - 1;
                }
            }
            for (c, &v) in row.iter().enumerate().skip(body) {
                if v.to_bits() << 1 != 0 {
                    s.at[len] = (c as u32, v);
                    len += 1;
                }
            }
            if len > limit {
                return false;
            }
        }
        s.starts.push(len);
        true
    }

    /// The row lists regrouped by column (rows ascending within a column), by counting sort.
    fn list_columns(s: &mut Scratch, n: usize) {
        let Scratch {
            starts,
            at,
            by_col_starts,
            by_col,
            cursor,
            ..
        } = s;
        by_col_starts.clear();
        by_col_starts.resize(n + 1, 0);
        let listed = &at[..*starts.last().unwrap_or(&0)];
        for &(c, _) in listed {
            by_col_starts[c as usize + 1] += 1;
        }
        for c in 0..n {
            by_col_starts[c + 1] += by_col_starts[c];
        }
        if by_col.len() < listed.len() {
            by_col.resize(listed.len(), (0, 0.0));
        }
        cursor.clear();
        cursor.extend_from_slice(&by_col_starts[..n]);
        for r in 0..starts.len() - 1 {
            for &(c, v) in &at[starts[r]..starts[r + 1]] {
                by_col[cursor[c as usize]] = (r as u32, v);
                cursor[c as usize] += 1;
            }
        }
    }

    fn applies(batch: usize, n_in: usize, n_out: usize, x_len: usize) -> bool {
        crate::cpu::zero_columns::skipping()
            && batch > 0
            && n_in > 0
            && n_out >= MIN_OUTPUTS
            && n_out.is_multiple_of(4)
            && x_len == batch * n_in
    }

    pub(super) fn forward(
        y: &mut [f32],
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        batch: usize,
        n_in: usize,
        n_out: usize,
    ) -> bool {
        if !applies(batch, n_in, n_out, x.len()) {
            return false;
        }
        assert!(y.len() == batch * n_out && w.len() == n_out * n_in && bias.len() == n_out);
        SCRATCH.with(|s| {
            let s = &mut *s.borrow_mut();
            if !list_rows(s, x, n_in) {
                return false;
            }
            s.transposed.resize(n_in * n_out, 0.0);
            transpose(&mut s.transposed, w, n_out, n_in);
            let w_t = &s.transposed;
            let blocks: Vec<_> = depth_blocks(n_in).collect();
            for b in 0..batch {
                let row = &s.at[s.starts[b]..s.starts[b + 1]];
                let out = &mut y[b * n_out..(b + 1) * n_out];
                out.copy_from_slice(bias);
                for part in by_block(row, &blocks) {
                    add_weighted_rows(out, w_t, n_out, part);
                }
            }
            true
        })
    }

    pub(super) fn weight_gradient(
        dw: &mut [f32],
        dy: &[f32],
        x: &[f32],
        batch: usize,
        n_in: usize,
        n_out: usize,
    ) -> bool {
        if !applies(batch, n_in, n_out, x.len()) {
            return false;
        }
        assert!(dw.len() == n_out * n_in && dy.len() == batch * n_out);
        SCRATCH.with(|s| {
            let s = &mut *s.borrow_mut();
            if !list_rows(s, x, n_in) {
                return false;
            }
            list_columns(s, n_in);
            // dw^T [n_in, n_out]: row c sums dy's rows weighted by column c of x.
            let dw_t = &mut s.transposed;
            dw_t.clear();
            dw_t.resize(n_in * n_out, 0.0);
            let blocks: Vec<_> = depth_blocks(batch).collect();
            for c in 0..n_in {
                let col = &s.by_col[s.by_col_starts[c]..s.by_col_starts[c + 1]];
                let out = &mut dw_t[c * n_out..(c + 1) * n_out];
                for part in by_block(col, &blocks) {
                    add_weighted_rows(out, dy, n_out, part);
                }
            }
            transpose(dw, dw_t, n_in, n_out);
            true
        })
    }

    /// The non-empty runs of `list` (indices ascending) that fall in each depth block. The full
    /// product adds each block's sum to its output, an empty one too (`y + 0 = y`: only the sign
    /// of a zero output could differ), so empty blocks are left out.
    fn by_block<'a>(
        list: &'a [(u32, f32)],
        blocks: &'a [std::ops::Range<usize>],
    ) -> impl Iterator<Item = &'a [(u32, f32)]> + 'a {
        let mut at = 0;
        blocks.iter().filter_map(move |block| {
            let end = at + list[at..].partition_point(|&(i, _)| (i as usize) < block.end);
            let part = &list[at..end];
            at = end;
            (!part.is_empty()).then_some(part)
        })
    }

    /// `out += sum_j v_j * rows[i_j, :]` over `part = [(i_j, v_j)]` in order, the sum taken in
    /// registers from zero and added to `out` once, as the micro-kernel sums a depth block and
    /// adds it to C. `rows` is `[_, n]` row-major, `out` has `n` values (a multiple of 4), and
    /// `part`'s indices ascend.
    #[inline(always)]
    fn add_weighted_rows(out: &mut [f32], rows: &[f32], n: usize, part: &[(u32, f32)]) {
        assert!(out.len() == n && n.is_multiple_of(4));
        // The lists come ascending (`list_rows`, `list_columns`): the last index is the largest,
        // so one check covers the part (walking every part took a pass per sample and column).
        debug_assert!(part.windows(2).all(|p| p[0].0 < p[1].0));
        assert!(part
            .last()
            .is_none_or(|&(i, _)| (i as usize + 1) * n <= rows.len()));
        let mut o = 0;
        while o + CHUNK <= n {
            // SAFETY: every row i of `part` has n values in `rows` (the largest is asserted),
            // o + CHUNK <= n.
            unsafe { sum_into::<8>(out, rows, n, part, o) };
            o += CHUNK;
        }
        while o < n {
            // SAFETY: as above, o + 4 <= n (n is a multiple of 4).
            unsafe { sum_into::<1>(out, rows, n, part, o) };
            o += 4;
        }
    }

    /// [`add_weighted_rows`] for outputs `o..o + 4V`.
    ///
    /// # Safety
    /// Every row index in `part` must have `n` values in `rows`, and `o + 4V <= n = out.len()`.
    #[inline(always)]
    unsafe fn sum_into<const V: usize>(
        out: &mut [f32],
        rows: &[f32],
        n: usize,
        part: &[(u32, f32)],
        o: usize,
    ) {
        let mut acc = [f32x4_splat(0.0); V];
        let base = rows.as_ptr().add(o);
        for &(i, v) in part {
            let v = f32x4_splat(v);
            let row = base.add(i as usize * n);
            for (j, a) in acc.iter_mut().enumerate() {
                *a = madd::<FUSED>(v, v128_load(row.add(4 * j) as *const v128), *a);
            }
        }
        let dst = out.as_mut_ptr().add(o);
        for (j, a) in acc.iter().enumerate() {
            let d = dst.add(4 * j) as *mut v128;
            v128_store(d, f32x4_add(*a, v128_load(d)));
        }
    }

    /// `dst [cols, rows] = src [rows, cols]^T`, 4x4 blocks in registers where both counts
    /// allow, single values at the edges.
    fn transpose(dst: &mut [f32], src: &[f32], rows: usize, cols: usize) {
        assert!(src.len() == rows * cols && dst.len() == rows * cols);
        let (rows4, cols4) = (rows - rows % 4, cols - cols % 4);
        for r in (0..rows4).step_by(4) {
            for c in (0..cols4).step_by(4) {
                // SAFETY: rows r..r+4 < rows have values c..c+4 < cols; the stores land in
                // dst rows c..c+4 at r..r+4 (stride rows), inside rows * cols.
                unsafe {
                    let from = src.as_ptr().add(r * cols + c);
                    transpose_4x4(from, cols, dst.as_mut_ptr().add(c * rows + r), rows);
                }
            }
        }
        for r in 0..rows {
            let from = if r < rows4 { cols4 } else { 0 };
            for c in from..cols {
                dst[c * rows + r] = src[r * cols + c];
            }
        }
    }
}
