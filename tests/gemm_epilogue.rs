//! `cpu::gemm`'s fused epilogue against a naive f64 triple loop: a bias per column (a dense
//! layer's) or per row (a convolution's filters), with and without ReLU, on every odd shape,
//! transpose combination and accumulate flag of `tests/gemm_products.rs`, and ReLU alone, for
//! the dispatched kernel (AVX2+FMA on most x86-64 machines, simd128 in wasm) and the portable one.
//!
//! Runs natively (`cargo test --test gemm_epilogue`) and in Chromium, where the simd128
//! micro-kernel is the dispatched one (`wasm-pack test --headless --chrome -- --test
//! gemm_epilogue`), or its fused relaxed-SIMD form in the second build (`scripts/test.sh wasm`
//! runs both).
use gradient_garden::cpu::gemm::{sgemm_epilogue, Bias, Epilogue};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

mod gemm_support;
use gemm_support::{assert_close, check_all, reference, values};

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn epilogue_column_bias_and_relu() {
    check_all(|_, n| (values(n, 99), false, true));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn epilogue_row_bias_without_relu() {
    check_all(|m, _| (values(m, 98), true, false));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn relu_alone_clamps_negatives() {
    // With no bias the epilogue must still clamp: half of a random product is negative.
    let (m, k, n) = (9, 11, 13);
    let (a, b) = (values(m * k, 1), values(k * n, 2));
    let mut c = vec![0.0; m * n];
    sgemm_epilogue(
        m,
        k,
        n,
        &a,
        false,
        &b,
        false,
        &mut c,
        false,
        Epilogue {
            bias: Bias::None,
            relu: true,
        },
    );
    let want = reference(
        m,
        k,
        n,
        &a,
        &b,
        &[],
        false,
        &Epilogue {
            bias: Bias::None,
            relu: true,
        },
    );
    assert_close(&c, &want, n, "relu only");
    assert!(c.contains(&0.0) && c.iter().all(|&v| v >= 0.0));
}
