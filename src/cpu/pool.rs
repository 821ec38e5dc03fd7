//! Max pooling, PyTorch `MaxPool2d(size)`: window `size x size`, stride `size`, floor (trailing
//! rows/columns that do not fill a window are dropped). NCHW: `x [planes, h, w]` where
//! `planes = batch * channels` (pooling never mixes planes).

/// `y[p, oy, ox] = max over the window at (oy*size, ox*size)`; `argmax` receives, per output, the
/// flat index into `x` of the winner. Ties go to the first maximum in row-major window order
/// (`>` comparison), which is what a GPU kernel scanning the same order also produces.
///
/// 2x2 windows (every pool of the presets) take a path that walks two input rows at once with
/// the four comparisons written out, the same comparisons in the same order as
/// [`maxpool2d_forward_reference`], so the same winners; the general loop's index arithmetic
/// per window value made the CNN's first pool cost more than its ReLU (examples/cnn_profile.rs).
pub fn maxpool2d_forward(
    y: &mut [f32],
    argmax: &mut [u32],
    x: &[f32],
    planes: usize,
    h: usize,
    w: usize,
    size: usize,
) {
    if size != 2 {
        return maxpool2d_forward_reference(y, argmax, x, planes, h, w, size);
    }
    let (oh, ow) = (h / 2, w / 2);
    for p in 0..planes {
        for oy in 0..oh {
            let top = (p * h + 2 * oy) * w;
            let (r0, r1) = (&x[top..top + w], &x[top + w..top + 2 * w]);
            let o = (p * oh + oy) * ow;
            let outs = y[o..o + ow].iter_mut().zip(&mut argmax[o..o + ow]);
            for (ox, (out, arg)) in outs.enumerate() {
                let c = 2 * ox;
                let (mut best, mut at) = (r0[c], c);
                for (v, i) in [(r0[c + 1], c + 1), (r1[c], w + c), (r1[c + 1], w + c + 1)] {
                    if v > best {
                        best = v;
                        at = i;
                    }
                }
                *out = best;
                *arg = (top + at) as u32;
            }
        }
    }
}

/// [`maxpool2d_forward`] for any window size, one window at a time: the reference the tests
/// check the 2x2 path against, and the path for other sizes.
///
/// `y[p, oy, ox] = max over the window at (oy*size, ox*size)`; `argmax` receives, per output, the
/// flat index into `x` of the winner. Ties go to the first maximum in row-major window order
/// (`>` comparison), which is what a GPU kernel scanning the same order also produces.
pub fn maxpool2d_forward_reference(
    y: &mut [f32],
    argmax: &mut [u32],
    x: &[f32],
    planes: usize,
    h: usize,
    w: usize,
    size: usize,
) {
    let (oh, ow) = (h / size, w / size);
    for p in 0..planes {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut best_i = (p * h + oy * size) * w + ox * size;
                let mut best = x[best_i];
                for ky in 0..size {
                    for kx in 0..size {
                        let i = (p * h + oy * size + ky) * w + ox * size + kx;
                        if x[i] > best {
                            best = x[i];
                            best_i = i;
                        }
                    }
                }
                let o = (p * oh + oy) * ow + ox;
                y[o] = best;
                argmax[o] = best_i as u32;
            }
        }
    }
}

/// Routes each output gradient to the input that won the max (overwrites `dx`, which has the
/// input's length; pixels that never win get 0).
pub fn maxpool2d_backward(dx: &mut [f32], dy: &[f32], argmax: &[u32]) {
    dx.fill(0.0);
    for (g, &i) in dy.iter().zip(argmax) {
        dx[i as usize] += g;
    }
}

/// [`maxpool2d_backward`] then the backward of the ReLU below the pool, in one pass: `x` is the
/// pool's input (the ReLU's output), and a winner that the ReLU clamped (`x <= 0`) gets 0, like
/// `activation_backward(Relu, ..)` gives it. Equal to the two passes bit for bit (a pixel wins
/// at most one window, so nothing is summed), at the cost of one: the CNN's first ReLU backward
/// alone was ~3% of a step (examples/cnn_profile.rs).
pub fn maxpool2d_relu_backward(dx: &mut [f32], dy: &[f32], argmax: &[u32], x: &[f32]) {
    dx.fill(0.0);
    for (g, &i) in dy.iter().zip(argmax) {
        let i = i as usize;
        if x[i] > 0.0 {
            dx[i] += g;
        }
    }
}

/// [`maxpool2d_relu_backward`] for a pool whose input was never stored (the fused
/// `conv2d_relu_maxpool_forward`): `pooled` is the pool's output, and a winner's value is the
/// pooled value itself, so `pooled > 0` is the ReLU's test on the winner, the same bits.
/// `argmax` indexes `dx` as it indexed the pool's input.
pub fn maxpool2d_relu_backward_pooled(dx: &mut [f32], dy: &[f32], argmax: &[u32], pooled: &[f32]) {
    dx.fill(0.0);
    for ((g, &i), &p) in dy.iter().zip(argmax).zip(pooled) {
        if p > 0.0 {
            dx[i as usize] += g;
        }
    }
}
