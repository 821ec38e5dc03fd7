//! Native single-thread GFLOP/s of `cpu::gemm::sgemm` (dispatched kernel and the portable one)
//! against ndarray's `general_mat_mul` (matrixmultiply, which picks AVX2/AVX-512 at run time)
//! and a naive triple loop, on the training shapes. Nothing is asserted beyond the products
//! agreeing; the browser numbers come from tests/wasm_gemm_bench.rs (same shapes and timer:
//! examples/support/gemm_cases.rs).
//!
//! `cargo run --release --example gemm_bench`
#[path = "support/gemm_cases.rs"]
mod gemm_cases;
#[path = "support/timing.rs"]
#[allow(dead_code)] // only its clock: the rest is the step profiles' harness
mod timing;

use gemm_cases::{best_rates, inputs, max_abs_diff, naive, operand_views, SHAPES};
use gradient_garden::cpu::gemm::{kernel_name, sgemm, sgemm_portable, Epilogue};
use ndarray::linalg::general_mat_mul;
use ndarray::ArrayViewMut2;

fn main() {
    println!("kernel: {}", kernel_name());
    println!("| shape m x k x n | what | sgemm | sgemm portable | ndarray | naive |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (m, k, n, at, bt, what) in SHAPES {
        let a = inputs(m * k, 0.1);
        let b = inputs(k * n, 0.7);
        let flops = 2.0 * (m * k * n) as f64;
        let (av, bv) = operand_views((m, k, n), &a, at, &b, bt);
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
            let variants: &mut [&mut dyn FnMut()] =
                &mut [&mut ours, &mut portable, &mut nd, &mut slow];
            best_rates(timing::now_ms, 100.0, &[flops; 4], variants)
        } else {
            best_rates(
                timing::now_ms,
                100.0,
                &[flops; 3],
                &mut [&mut ours, &mut portable, &mut nd],
            )
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
