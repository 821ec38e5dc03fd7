//! A convolution's receptive fields as a matrix: `cols [patch, spatial]` of one image, where
//! `cols[(c*k + ky)*k + kx, oy*out_w + ox] = x[c, oy + ky - pad, ox + kx - pad]` (0 outside the
//! image), so that `y = w . cols + bias` (see `conv.rs`).
//!
//! [`im2col`] writes that matrix out (the forward pass's B) and [`col2im_add`] is its adjoint.
//! [`Cols`] is the same matrix as a gemm [`Operand`] that copies the receptive fields from the
//! image straight into the micro-kernel's packed slivers, with no `patch * spatial` matrix
//! written and re-read in between (9x the image for a 3x3 kernel): the weight gradient's
//! operand, as the B of `dW = dy . cols^T` or the A of `dW^T = cols . dy^T`.
use super::conv::Conv2dDims;
use super::gemm::Operand;

/// For kernel column `kx`, the output columns `ox_lo..ox_hi` whose input column
/// `ix = ox + kx - pad` lies inside the image (the rest read zero padding).
fn valid_cols(d: &Conv2dDims, kx: usize) -> (usize, usize) {
    let lo = d.pad.saturating_sub(kx).min(d.out_w());
    let hi = (d.width + d.pad).saturating_sub(kx).clamp(lo, d.out_w());
    (lo, hi)
}

/// `dst.copy_from_slice(src)`, with runs of 4 to 16 values (an output row of a small feature
/// map: 11 for the CNN's second convolution) as up to four 4-value copies, the last one
/// overlapping: in wasm a `copy_from_slice` of unknown length is a `memory.copy` call, whose
/// fixed cost made the second convolution's `im2col` 2.5x slower in Chromium than natively.
#[inline(always)]
fn copy_run(dst: &mut [f32], src: &[f32]) {
    let n = dst.len();
    if !(4..=16).contains(&n) {
        dst.copy_from_slice(src);
        return;
    }
    let mut quad = |at: usize| {
        let v: [f32; 4] = src[at..at + 4].try_into().expect("4 values");
        dst[at..at + 4].copy_from_slice(&v);
    };
    quad(0);
    if n > 8 {
        quad(4);
    }
    if n > 12 {
        quad(8);
    }
    quad(n - 4);
}

/// Writes out `cols` for image `x` (`[c_in, h, w]`) into `cols` (`patch * spatial` values).
/// Each output row segment is one contiguous copy of an input row.
pub fn im2col(cols: &mut [f32], x: &[f32], d: &Conv2dDims) {
    let (oh, ow, k) = (d.out_h(), d.out_w(), d.kernel);
    for c in 0..d.in_channels {
        for ky in 0..k {
            for kx in 0..k {
                let row = (c * k + ky) * k + kx;
                let (lo, hi) = valid_cols(d, kx);
                for oy in 0..oh {
                    let out = &mut cols[(row * oh + oy) * ow..(row * oh + oy + 1) * ow];
                    let iy = (oy + ky) as isize - d.pad as isize;
                    if iy < 0 || iy >= d.height as isize || lo == hi {
                        out.fill(0.0);
                        continue;
                    }
                    let start = (c * d.height + iy as usize) * d.width + lo + kx - d.pad;
                    if lo > 0 {
                        out[..lo].fill(0.0);
                    }
                    copy_run(&mut out[lo..hi], &x[start..start + hi - lo]);
                    if hi < ow {
                        out[hi..].fill(0.0);
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds every entry of `cols` back onto the input pixel it came from.
pub fn col2im_add(dx: &mut [f32], cols: &[f32], d: &Conv2dDims) {
    let (oh, ow, k) = (d.out_h(), d.out_w(), d.kernel);
    for c in 0..d.in_channels {
        for ky in 0..k {
            for kx in 0..k {
                let row = (c * k + ky) * k + kx;
                let (lo, hi) = valid_cols(d, kx);
                for oy in 0..oh {
                    let iy = (oy + ky) as isize - d.pad as isize;
                    if iy < 0 || iy >= d.height as isize || lo == hi {
                        continue;
                    }
                    let col = &cols[(row * oh + oy) * ow..(row * oh + oy + 1) * ow];
                    let start = (c * d.height + iy as usize) * d.width + lo + kx - d.pad;
                    for (g, &v) in dx[start..start + hi - lo].iter_mut().zip(&col[lo..hi]) {
                        *g += v;
                    }
                }
            }
        }
    }
}

/// Calls `seg(t, from, count)` for the pieces of `cols[r, q0..q0 + len]`, in order, `t` counting
/// from 0 at `q0`: `from = Some(i)` means the `count` values are `x[i..i + count]`, `None` that
/// they are zero padding. Pieces never cross an output row.
#[inline(always)]
fn cols_row_pieces(
    d: &Conv2dDims,
    r: usize,
    q0: usize,
    len: usize,
    mut seg: impl FnMut(usize, Option<usize>, usize),
) {
    let (k, ow) = (d.kernel, d.out_w());
    let (c, ky, kx) = (r / (k * k), r / k % k, r % k);
    let (lo, hi) = valid_cols(d, kx);
    let (mut oy, mut ox) = (q0 / ow, q0 % ow);
    let mut t = 0;
    while t < len {
        let run = (ow - ox).min(len - t);
        let iy = (oy + ky) as isize - d.pad as isize;
        if iy < 0 || iy >= d.height as isize {
            seg(t, None, run);
        } else {
            // Within this row: zeros before `lo`, the image from `lo` to `hi`, zeros after.
            let end = ox + run;
            let a = ox.max(lo).min(end);
            let b = end.min(hi).max(a);
            if a > ox {
                seg(t, None, a - ox);
            }
            if b > a {
                let i = (c * d.height + iy as usize) * d.width + a + kx - d.pad;
                seg(t + a - ox, Some(i), b - a);
            }
            if end > b {
                seg(t + b - ox, None, end - b);
            }
        }
        t += run;
        ox = 0;
        oy += 1;
    }
}

/// `cols [patch, spatial]` of one image as a gemm operand: outer index = patch row, depth =
/// output position. A sliver is `w` patch rows over `kc` positions, written with stride `w`.
pub struct Cols<'a> {
    pub x: &'a [f32],
    pub d: &'a Conv2dDims,
}

impl Operand for Cols<'_> {
    fn pack_sliver(
        &self,
        sliver: &mut [f32],
        w: usize,
        l0: usize,
        lanes: usize,
        p0: usize,
        kc: usize,
    ) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        if lanes == w && w.is_multiple_of(4) {
            return self.pack_quads(sliver, w, l0, p0, kc);
        }
        for l in 0..w {
            if l >= lanes {
                sliver[l..].iter_mut().step_by(w).for_each(|v| *v = 0.0);
                continue;
            }
            cols_row_pieces(self.d, l0 + l, p0, kc, |t, from, count| {
                let dst = sliver[t * w + l..].iter_mut().step_by(w).take(count);
                match from {
                    Some(i) => dst.zip(&self.x[i..i + count]).for_each(|(d, v)| *d = *v),
                    None => dst.for_each(|d| *d = 0.0),
                }
            });
        }
    }
}

impl Cols<'_> {
    /// [`Operand::pack_sliver`] for full slivers of 4k patch rows, in the browser: four patch
    /// rows' next four positions within one output row are four contiguous runs of the image,
    /// loaded as four vectors and stored transposed (one store per position), where the scalar
    /// path writes each value alone with stride `w`. The rest (the last positions of an output
    /// row, and padding) goes value by value. The CNN's second convolution's weight gradient
    /// (64 images) took 9.8-10.2 ms in Chromium with the scalar path, 8.1-8.2 ms with this,
    /// 7.3-7.5 ms from a stored cols matrix (interleaved, 3 rounds, `tests/wasm_cnn_bench.rs`).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn pack_quads(&self, sliver: &mut [f32], w: usize, l0: usize, p0: usize, kc: usize) {
        use core::arch::wasm32::v128_load;
        let d = self.d;
        let (k, ow) = (d.kernel, d.out_w());
        let (height, width, pad) = (d.height as isize, d.width as isize, d.pad as isize);
        for l4 in (0..w).step_by(4) {
            // Per lane: the image index of output position (0, 0) (before the row/column
            // checks), its kernel row, and the output columns whose input column is inside.
            let (mut origin, mut ky, mut lo, mut hi) = ([0isize; 4], [0usize; 4], [0; 4], [0; 4]);
            for i in 0..4 {
                let r = l0 + l4 + i;
                let (c, kyi, kx) = (r / (k * k), r / k % k, r % k);
                origin[i] =
                    ((c as isize * height) + kyi as isize - pad) * width + kx as isize - pad;
                ky[i] = kyi;
                (lo[i], hi[i]) = valid_cols(d, kx);
            }
            let (lo_all, hi_all) = (*lo.iter().max().unwrap(), *hi.iter().min().unwrap());
            let row_inside = |i: usize, oy: usize| {
                let iy = (oy + ky[i]) as isize - pad;
                (0..height).contains(&iy)
            };
            let (mut oy, mut ox) = (p0 / ow, p0 % ow);
            let mut t = 0;
            while t < kc {
                // The run of positions every lane reads from the image, in this output row
                // and this sliver.
                let end = hi_all.min(ow).min(ox + kc - t);
                let inside = ox >= lo_all && ox < end && (0..4).all(|i| row_inside(i, oy));
                // Four positions from `ox`, or, for the last one to three before `end`, the
                // four ending there: the overlap rewrites values already packed, unchanged.
                let from = if ox + 4 <= end {
                    ox
                } else {
                    end.saturating_sub(4)
                };
                if inside && from >= lo_all.max(ox.saturating_sub(t)) && from + 4 <= end {
                    let tf = t - (ox - from);
                    let at = |i: usize| (origin[i] + (oy * d.width + from) as isize) as usize;
                    let rows = [at(0), at(1), at(2), at(3)];
                    assert!(rows.iter().all(|&a| a + 4 <= self.x.len()));
                    assert!((tf + 4) * w <= sliver.len());
                    // SAFETY: each lane's 4 values lie inside one image row (from..from + 4
                    // within every lane's [lo, hi), its row inside the image), asserted inside x;
                    // the stores land at (tf + j) * w + l4 + 0..4 < (tf + 4) * w <= sliver.len().
                    unsafe {
                        let load = |a: usize| v128_load(self.x.as_ptr().add(a) as *const _);
                        let quad = [load(rows[0]), load(rows[1]), load(rows[2]), load(rows[3])];
                        let dst = sliver.as_mut_ptr().add(tf * w + l4);
                        super::gemm::store_transposed_4x4(dst, w, quad);
                    }
                    t = tf + 4;
                    ox = from + 4;
                } else {
                    let at = |i: usize| (origin[i] + (oy * d.width + ox) as isize) as usize;
                    for i in 0..4 {
                        let inside = row_inside(i, oy) && (lo[i]..hi[i]).contains(&ox);
                        sliver[t * w + l4 + i] = if inside { self.x[at(i)] } else { 0.0 };
                    }
                    t += 1;
                    ox += 1;
                }
                if ox == ow {
                    ox = 0;
                    oy += 1;
                }
            }
        }
    }
}
