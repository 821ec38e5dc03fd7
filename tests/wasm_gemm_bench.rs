//! Browser benchmark of `cpu::gemm::sgemm` (the build's micro-kernel) against ndarray's
//! `general_mat_mul` (matrixmultiply's own 8x8 simd128 kernel) and a naive triple loop, plus the
//! register-only f32x4 mul+add peak and, in the relaxed-SIMD build, the unfused kernel beside the
//! fused one and the register-only `f32x4.relaxed_madd` (FMA) peak, all measured in one run.
//! Prints GFLOP/s; speed is never asserted, only that every variant computes the same product.
//!
//! `scripts/bench_wasm.sh wasm_gemm_bench` (in release: the dev profile builds this crate at
//! opt-level 1; `WASM_BUILD=relaxed-simd` for the relaxed build); `scripts/test.sh` leaves
//! `*_bench.rs` files out. Native `cargo test` compiles this file to nothing; the native numbers
//! come from `cargo run --release --example gemm_bench`.
#![cfg(target_arch = "wasm32")]

#[path = "../examples/support/gemm_cases.rs"]
mod gemm_cases;
#[path = "../examples/support/timing.rs"]
#[allow(dead_code)] // only its clock: the rest is the step profiles' harness
mod timing;

use core::arch::wasm32::*;
use gemm_cases::{best_rates, inputs, max_abs_diff, naive, operand_views, SHAPES};
use gradient_garden::cpu::gemm::{kernel_name, sgemm, sgemm_unfused, Epilogue};
use ndarray::linalg::general_mat_mul;
use ndarray::ArrayViewMut2;
use timing::now_ms;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Register-only f32x4 loop: 6 independent mul chains and 6 independent add chains (bound by FP
/// throughput, not latency), 48 flops per iteration. Multiplying by 1.0 keeps values normal
/// (denormals would be 100x slower).
#[inline(never)]
fn peak_loop(iters: u32, x: f32) -> f32 {
    let m = f32x4_splat(x);
    let ad = f32x4_splat(x * 1e-7);
    let mut p = [
        m,
        f32x4_splat(1.0),
        f32x4_splat(2.0),
        f32x4_splat(3.0),
        f32x4_splat(4.0),
        f32x4_splat(5.0),
    ];
    let mut s = [
        ad,
        f32x4_splat(1.5),
        f32x4_splat(2.5),
        f32x4_splat(3.5),
        f32x4_splat(4.5),
        f32x4_splat(5.5),
    ];
    for _ in 0..iters {
        p[0] = f32x4_mul(p[0], m);
        s[0] = f32x4_add(s[0], ad);
        p[1] = f32x4_mul(p[1], m);
        s[1] = f32x4_add(s[1], ad);
        p[2] = f32x4_mul(p[2], m);
        s[2] = f32x4_add(s[2], ad);
        p[3] = f32x4_mul(p[3], m);
        s[3] = f32x4_add(s[3], ad);
        p[4] = f32x4_mul(p[4], m);
        s[4] = f32x4_add(s[4], ad);
        p[5] = f32x4_mul(p[5], m);
        s[5] = f32x4_add(s[5], ad);
    }
    let mut sum = f32x4_splat(0.0);
    for v in p.iter().chain(&s) {
        sum = f32x4_add(sum, *v);
    }
    f32x4_extract_lane::<0>(sum)
}

/// Register-only fused multiply-add loop: 12 independent `f32x4.relaxed_madd` chains (FMA
/// latency 4 x 2 ports needs 8 in flight), 96 flops per iteration.
#[cfg(target_feature = "relaxed-simd")]
#[inline(never)]
fn fma_peak_loop(iters: u32, x: f32) -> f32 {
    let m = f32x4_splat(x);
    let ad = f32x4_splat(x * 1e-7);
    let mut acc = [f32x4_splat(0.0); 12];
    for (i, a) in acc.iter_mut().enumerate() {
        *a = f32x4_splat(1.0 + i as f32);
    }
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = f32x4_relaxed_madd(*a, m, ad);
        }
    }
    let mut sum = f32x4_splat(0.0);
    for v in acc {
        sum = f32x4_add(sum, v);
    }
    f32x4_extract_lane::<0>(sum)
}

#[wasm_bindgen_test]
fn gemm_throughput() {
    // The peak loops run as more variants in every round, so that they see the same load as the
    // products; the best of all their rounds is the peak. black_box on the factor too: a constant
    // 1.0 would let LLVM fold every `x * 1.0` away.
    let mut peak_fn = || {
        let x = std::hint::black_box(1.0);
        std::hint::black_box(peak_loop(std::hint::black_box(200_000), x));
    };
    const PEAK_FLOPS: f64 = 200_000.0 * 48.0;
    #[cfg(target_feature = "relaxed-simd")]
    let mut fma_peak_fn = || {
        let x = std::hint::black_box(1.0);
        std::hint::black_box(fma_peak_loop(std::hint::black_box(100_000), x));
    };
    #[cfg(target_feature = "relaxed-simd")]
    const FMA_PEAK_FLOPS: f64 = 100_000.0 * 96.0;
    let fused = cfg!(target_feature = "relaxed-simd");
    let (mut peak, mut fma_peak) = (0.0f64, 0.0f64);
    let mut rows = Vec::new();
    console_log!("gemm bench: kernel {}", kernel_name());
    if cfg!(debug_assertions) {
        console_log!("gemm bench: debug build, numbers are not representative (use --release)");
    }
    for (m, k, n, at, bt, what) in SHAPES {
        let a = inputs(m * k, 0.1);
        let b = inputs(k * n, 0.7);
        let flops = 2.0 * (m * k * n) as f64;
        let (av, bv) = operand_views((m, k, n), &a, at, &b, bt);
        let (mut c, mut c_nd, mut c_naive, mut c_unfused) = (
            vec![0.0f32; m * n],
            vec![0.0f32; m * n],
            vec![0.0f32; m * n],
            vec![0.0f32; m * n],
        );
        let mut ours = || sgemm(m, k, n, &a, at, &b, bt, &mut c, false);
        #[allow(unused_variables, unused_mut)] // only the relaxed build times it
        let mut unfused = || {
            sgemm_unfused(
                m,
                k,
                n,
                &a,
                at,
                &b,
                bt,
                &mut c_unfused,
                false,
                Epilogue::NONE,
            )
        };
        let mut nd = || {
            general_mat_mul(
                1.0,
                &av,
                &bv,
                0.0,
                &mut ArrayViewMut2::from_shape((m, n), &mut c_nd[..]).unwrap(),
            )
        };
        let mut slow = || naive(m, k, n, &a, &b, &mut c_naive);
        // The naive loop only on the smaller shapes (it runs at ~1 GFLOP/s), and only untransposed.
        let with_naive = m * k * n <= 8_000_000 && !at && !bt;
        // Variants by name: the rates come back in this order.
        let mut flops_of = vec![flops, flops, PEAK_FLOPS];
        let mut variants: Vec<&mut dyn FnMut()> = vec![&mut ours, &mut nd, &mut peak_fn];
        #[cfg(target_feature = "relaxed-simd")]
        {
            flops_of.extend([flops, FMA_PEAK_FLOPS]);
            variants.push(&mut unfused);
            variants.push(&mut fma_peak_fn);
        }
        if with_naive {
            flops_of.push(flops);
            variants.push(&mut slow);
        }
        // At least 300 ms of warm-up each: past V8's baseline code (see best_rates).
        let rates = best_rates(now_ms, 300.0, &flops_of, &mut variants);
        drop(variants);
        peak = peak.max(rates[2]);
        let unfused_rate = if fused {
            fma_peak = fma_peak.max(rates[4]);
            Some(rates[3])
        } else {
            None
        };
        // Sums of up to 784 products of values in [-1, 1]: f32 rounding stays far below 1e-2.
        let diff = max_abs_diff(&c, &c_nd);
        assert!(diff < 1e-2, "{what}: sgemm and ndarray differ by {diff}");
        if fused {
            let diff = max_abs_diff(&c, &c_unfused);
            assert!(diff < 1e-2, "{what}: fused and unfused differ by {diff}");
        }
        if with_naive {
            assert!(
                max_abs_diff(&c, &c_naive) < 1e-2,
                "{what}: sgemm and naive differ"
            );
        }
        let naive_rate = if with_naive {
            format!("{:.1}", rates[rates.len() - 1])
        } else {
            "-".to_string()
        };
        rows.push((m, k, n, what, rates[0], unfused_rate, rates[1], naive_rate));
    }
    console_log!("f32x4 mul+add register peak (best round): {peak:.1} GFLOP/s");
    if fused {
        console_log!("f32x4.relaxed_madd (FMA) register peak (best round): {fma_peak:.1} GFLOP/s");
    }
    // The kernel against the peak of its own instruction mix: FMA for the fused build.
    let own_peak = if fused { fma_peak } else { peak };
    console_log!(
        "| shape m x k x n | what | sgemm | unfused | ndarray | naive | sgemm % of peak |"
    );
    console_log!("| --- | --- | --- | --- | --- | --- | --- |");
    for (m, k, n, what, ours, unfused, nd, naive_rate) in rows {
        let unfused = unfused.map_or("-".to_string(), |r| format!("{r:.1}"));
        console_log!(
            "| {m} x {k} x {n} | {what} | {ours:.1} | {unfused} | {nd:.1} | {naive_rate} | {:.0}% |",
            100.0 * ours / own_peak
        );
    }
}
