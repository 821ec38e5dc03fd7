//! Native single-thread GFLOP/s of `cpu::gemm::sgemm` (dispatched kernel and the portable one)
//! against ndarray's `general_mat_mul` (matrixmultiply, which picks AVX2/AVX-512 at run time)
//! and a naive triple loop, on the training shapes. Nothing is asserted beyond the products
//! agreeing; the browser numbers come from tests/wasm_gemm_bench.rs.
//!
//! `cargo run --release --example gemm_bench`
use gradient_garden::cpu::gemm::{kernel_name, sgemm, sgemm_portable, Epilogue};
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};
use std::time::Instant;

/// Best rate (GFLOP/s) of each variant over 10 rounds of one >= 30 ms burst per variant, after
/// 100 ms of warm-up each. Rounds interleave the variants so that load from other processes on
/// the (shared) machine hits all of them alike.
fn best_rates(flops: f64, variants: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    for f in variants.iter_mut() {
        let t0 = Instant::now();
        while t0.elapsed().as_secs_f64() < 0.1 {
            f();
        }
    }
    let mut best = vec![0.0f64; variants.len()];
    for _ in 0..10 {
        for (f, best) in variants.iter_mut().zip(&mut best) {
            let (t, mut reps) = (Instant::now(), 0u32);
            loop {
                f();
                reps += 1;
                if t.elapsed().as_secs_f64() >= 0.03 {
                    break;
                }
            }
            *best = best.max(flops * reps as f64 / t.elapsed().as_secs_f64() / 1e9);
        }
    }
    best
}

fn naive(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
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

fn values(len: usize, seed: f32) -> Vec<f32> {
    (0..len).map(|i| (i as f32 * 0.37 + seed).sin()).collect()
}

fn max_abs_diff(x: &[f32], y: &[f32]) -> f32 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

/// `(m, k, n, a_trans, b_trans, what)`: the same shapes as tests/wasm_gemm_bench.rs.
const SHAPES: [(usize, usize, usize, bool, bool, &str); 8] = [
    (128, 784, 128, false, true, "dense fwd y = x.W^T"),
    (128, 128, 784, false, false, "dense bwd dx = dy.W"),
    (128, 128, 784, true, false, "dense bwd dW = dy^T.x"),
    (43264, 9, 32, false, false, "conv1 im2col, whole batch"),
    (7744, 288, 64, false, false, "conv2 im2col, whole batch"),
    (32, 9, 676, false, false, "conv1 per image W.cols"),
    (64, 288, 121, false, false, "conv2 per image W.cols"),
    (512, 512, 512, false, false, "512^3"),
];

fn main() {
    println!("kernel: {}", kernel_name());
    println!("| shape m x k x n | what | sgemm | sgemm portable | ndarray | naive |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (m, k, n, at, bt, what) in SHAPES {
        let a = values(m * k, 0.1);
        let b = values(k * n, 0.7);
        let flops = 2.0 * (m * k * n) as f64;
        let av = if at {
            ArrayView2::from_shape((k, m), &a[..])
                .unwrap()
                .reversed_axes()
        } else {
            ArrayView2::from_shape((m, k), &a[..]).unwrap()
        };
        let bv = if bt {
            ArrayView2::from_shape((n, k), &b[..])
                .unwrap()
                .reversed_axes()
        } else {
            ArrayView2::from_shape((k, n), &b[..]).unwrap()
        };
        let mut out = vec![vec![0.0f32; m * n]; 4];
        let [c, c_port, c_nd, c_naive] = &mut out[..] else {
            unreachable!()
        };
        let mut ours = || sgemm(m, k, n, &a, at, &b, bt, c, false);
        let mut portable =
            || sgemm_portable(m, k, n, &a, at, &b, bt, c_port, false, Epilogue::NONE);
        let mut nd = || {
            general_mat_mul(
                1.0,
                &av,
                &bv,
                0.0,
                &mut ArrayViewMut2::from_shape((m, n), &mut c_nd[..]).unwrap(),
            )
        };
        let mut slow = || naive(m, k, n, &a, &b, c_naive);
        // The naive loop only on the smaller untransposed shapes (it runs at ~1-3 GFLOP/s).
        let with_naive = m * k * n <= 8_000_000 && !at && !bt;
        let rates = if with_naive {
            best_rates(flops, &mut [&mut ours, &mut portable, &mut nd, &mut slow])
        } else {
            best_rates(flops, &mut [&mut ours, &mut portable, &mut nd])
        };
        let limit = if with_naive { 4 } else { 3 };
        for other in &out[1..limit] {
            assert!(
                max_abs_diff(&out[0], other) < 1e-2,
                "{what}: products differ"
            );
        }
        let naive_rate = rates.get(3).map_or("-".to_string(), |r| format!("{r:.1}"));
        println!(
            "| {m} x {k} x {n} | {what} | {:.1} | {:.1} | {:.1} | {naive_rate} |",
            rates[0], rates[1], rates[2]
        );
    }
}
