//! A 3x3 'valid' convolution of a one-channel image, its ReLU and a 2x2 max-pool in one pass of
//! wasm SIMD registers: the CNN's first block as a training step runs it in the browser.
//!
//! With one input channel the im2col route has a depth of 9: the gemm stores and reloads every
//! output tile after nine multiply-adds, the receptive fields are copied out first and the
//! outputs written for the pool to read back (3.4 ms of a 20 ms CNN step in Chromium). Here four
//! pooled outputs are one vector: the image's four input rows under two output rows are loaded
//! once per four pooled columns, split into even and odd columns (so each of the four pixels of a
//! pool window is one vector over the four windows), and every filter's nine multiply-adds, bias,
//! ReLU and pool run on them in registers.
//!
//! The same bits as the im2col path (`conv2d_forward` + ReLU + `maxpool2d_forward`) on the same
//! wasm build: each output is the same nine multiply-adds from zero in the same order (the
//! gemm kernel's [`madd`], fused in the relaxed-SIMD build), then `+ bias`, then the ReLU, and the
//! pool makes `maxpool2d_forward`'s comparisons in its order (`tests/cpu_fused_conv.rs`, which
//! runs in the browser on both builds).
use super::conv::Conv2dDims;

/// Whether [`conv3x3_one_channel_relu_pool2`] takes this block: a wasm SIMD build, one input
/// channel, a 3x3 'valid' kernel, a 2x2 pool and at least four pooled columns.
pub fn applies(d: &Conv2dDims, size: usize) -> bool {
    cfg!(all(target_arch = "wasm32", target_feature = "simd128"))
        && d.in_channels == 1
        && d.kernel == 3
        && d.pad == 0
        && size == 2
        && d.out_h() >= 2
        && d.out_w() / 2 >= 4
}

/// `pooled [batch, filters, out_h / 2, out_w / 2]` and `argmax` (each winner's index in one
/// image's convolution output `[filters, out_h, out_w]`), as `conv2d_relu_maxpool_forward`
/// gives them. Only where [`applies`].
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn conv3x3_one_channel_relu_pool2(
    pooled: &mut [f32],
    argmax: &mut [u32],
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    d: &Conv2dDims,
) {
    use super::gemm::madd;
    use core::arch::wasm32::*;
    assert!(
        applies(d, 2),
        "a one-channel 3x3 'valid' block into a 2x2 pool"
    );
    let (width, plane) = (d.width, d.height * d.width);
    let (oh, ow) = (d.out_h(), d.out_w());
    let (ph, pw) = (oh / 2, ow / 2);
    let pooled_plane = d.filters * ph * pw;
    assert_eq!(x.len(), d.batch * plane, "conv: x length");
    assert_eq!(w.len(), d.filters * 9, "conv: weight length");
    assert_eq!(bias.len(), d.filters, "conv: bias length");
    assert_eq!(pooled.len(), d.batch * pooled_plane, "conv: pooled length");
    assert_eq!(argmax.len(), pooled.len(), "conv: argmax length");
    let zero = f32x4_splat(0.0);
    // A window's four pixels, in maxpool2d_forward's order, as offsets from its top-left one.
    let offsets = [0, 1, ow, ow + 1].map(|o| o as i32);
    for b in 0..d.batch {
        let image = &x[b * plane..(b + 1) * plane];
        for py in 0..ph {
            // Four pooled columns at a time; the last group starts at pw - 4 and rewrites some
            // outputs of the one before with the same values.
            for px in (0..pw).step_by(4).map(|p| p.min(pw - 4)) {
                // cols[r][s] lane q = image[2 py + r][2 (px + q) + s]: input row r under the
                // window row pair, shifted s columns. The last value read is column 2 px + 9,
                // inside the row since 2 pw <= out_w = width - 2.
                let cols: [[v128; 4]; 4] = std::array::from_fn(|r| {
                    let at = (2 * py + r) * width + 2 * px;
                    let row = &image[at..at + 10];
                    // SAFETY: each load reads four of the ten values of `row`.
                    let load =
                        |i: usize| unsafe { v128_load(row[i..i + 4].as_ptr() as *const v128) };
                    let (l0, l1, l2, l3) = (load(0), load(4), load(2), load(6));
                    [
                        i32x4_shuffle::<0, 2, 4, 6>(l0, l1),
                        i32x4_shuffle::<1, 3, 5, 7>(l0, l1),
                        i32x4_shuffle::<0, 2, 4, 6>(l2, l3),
                        i32x4_shuffle::<1, 3, 5, 7>(l2, l3),
                    ]
                });
                for f in 0..d.filters {
                    let taps: [v128; 9] = std::array::from_fn(|k| f32x4_splat(w[f * 9 + k]));
                    let bias = f32x4_splat(bias[f]);
                    // The window pixel (dy, dx) of the four windows: the nine products from
                    // zero in the im2col row order (ky, kx), + bias, ReLU (f32::max(v, 0)'s
                    // result: NaN and -0 give +0).
                    let pixel = |dy: usize, dx: usize| {
                        let mut acc = zero;
                        for ky in 0..3 {
                            for kx in 0..3 {
                                acc = madd::<true>(taps[ky * 3 + kx], cols[dy + ky][dx + kx], acc);
                            }
                        }
                        f32x4_pmax(zero, f32x4_add(acc, bias))
                    };
                    let corner = (f * oh + 2 * py) * ow + 2 * px;
                    let first = i32x4(0, 2, 4, 6);
                    let index =
                        |k: usize| i32x4_add(first, i32x4_splat(corner as i32 + offsets[k]));
                    let (mut best, mut at) = (pixel(0, 0), index(0));
                    for (k, (dy, dx)) in [(0, 1), (1, 0), (1, 1)].into_iter().enumerate() {
                        let v = pixel(dy, dx);
                        let wins = f32x4_gt(v, best);
                        best = v128_bitselect(v, best, wins);
                        at = v128_bitselect(index(k + 1), at, wins);
                    }
                    let out = b * pooled_plane + (f * ph + py) * pw + px;
                    // SAFETY: each store writes four of the four values of its slice.
                    unsafe {
                        v128_store(pooled[out..out + 4].as_mut_ptr() as *mut v128, best);
                        v128_store(argmax[out..out + 4].as_mut_ptr() as *mut v128, at);
                    }
                }
            }
        }
    }
}
