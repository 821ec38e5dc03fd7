//! What the gemm benchmarks share, natively (`examples/gemm_bench.rs`) and in Chromium
//! (`tests/wasm_gemm_bench.rs`): the training shapes, their inputs, the interleaved best-rate
//! timer and the reference products they are checked against. Included by path, like
//! `timing.rs`.
use ndarray::ArrayView2;

/// `(m, k, n, a_trans, b_trans, what)`: the MLP's first layer (batch 128, 784 -> 128) in its
/// three products, the CNN's two im2col convolutions (batch 64, 3x3, 32 and 64 filters) both as
/// one whole-batch product and per image as `conv.rs` does them (forward and backward), and a
/// square reference.
pub const SHAPES: [(usize, usize, usize, bool, bool, &str); 12] = [
    (128, 784, 128, false, true, "dense fwd y = x.W^T"),
    (128, 128, 784, false, false, "dense bwd dx = dy.W"),
    (128, 128, 784, true, false, "dense bwd dW = dy^T.x"),
    (43264, 9, 32, false, false, "conv1 im2col, whole batch"),
    (7744, 288, 64, false, false, "conv2 im2col, whole batch"),
    (32, 9, 676, false, false, "conv1 per image W.cols"),
    (64, 288, 121, false, false, "conv2 per image W.cols"),
    (32, 676, 9, false, true, "conv1 per image dW = dy.cols^T"),
    (9, 676, 32, false, true, "conv1 per image dW^T = cols.dy^T"),
    (64, 121, 288, false, true, "conv2 per image dW = dy.cols^T"),
    (288, 64, 121, true, false, "conv2 per image dcols = W^T.dy"),
    (512, 512, 512, false, false, "512^3"),
];

/// Best rate (GFLOP/s) of each variant (`flops[i]` a call of `variants[i]`) over 10 rounds of
/// one burst of at least 30 ms per variant, after `warmup_ms` of calls to each (in Chromium V8
/// first runs wasm in its baseline compiler, Liftoff, and swaps in the optimised TurboFan code
/// only for later calls). Rounds interleave the variants so that load from other processes on
/// the shared machine hits all of them alike. `now_ms`: the clock (timing.rs).
pub fn best_rates(
    now_ms: fn() -> f64,
    warmup_ms: f64,
    flops: &[f64],
    variants: &mut [&mut dyn FnMut()],
) -> Vec<f64> {
    for f in variants.iter_mut() {
        let t0 = now_ms();
        while now_ms() - t0 < warmup_ms {
            f();
        }
    }
    let mut best = vec![0.0f64; variants.len()];
    for _ in 0..10 {
        for ((f, best), flops) in variants.iter_mut().zip(&mut best).zip(flops) {
            let (t, mut reps) = (now_ms(), 0u32);
            let mut dt;
            loop {
                f();
                reps += 1;
                dt = now_ms() - t;
                if dt >= 30.0 {
                    break;
                }
            }
            *best = best.max(flops * reps as f64 / (dt / 1e3) / 1e9);
        }
    }
    best
}

/// `c = a . b` for row-major `a [m, k]`, `b [k, n]`, the slow obvious way.
pub fn naive(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0;
            for p in 0..k {
                s += a[i * k + p] * b[p * n + j];
            }
            c[i * n + j] = s;
        }
    }
}

/// Inputs in [-1, 1].
pub fn inputs(len: usize, seed: f32) -> Vec<f32> {
    (0..len).map(|i| (i as f32 * 0.37 + seed).sin()).collect()
}

pub fn max_abs_diff(x: &[f32], y: &[f32]) -> f32 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

/// ndarray views of `op(A) [m, k]` and `op(B) [k, n]` as `sgemm` reads `a` and `b` (stored
/// transposed where `a_trans` / `b_trans`).
pub fn operand_views<'a>(
    (m, k, n): (usize, usize, usize),
    a: &'a [f32],
    a_trans: bool,
    b: &'a [f32],
    b_trans: bool,
) -> (ArrayView2<'a, f32>, ArrayView2<'a, f32>) {
    let view = |data: &'a [f32], rows: usize, cols: usize, trans: bool| {
        if trans {
            ArrayView2::from_shape((cols, rows), data)
                .unwrap()
                .reversed_axes()
        } else {
            ArrayView2::from_shape((rows, cols), data).unwrap()
        }
    };
    (view(a, m, k, a_trans), view(b, k, n, b_trans))
}
