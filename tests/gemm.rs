//! `cpu::gemm::sgemm` against a naive f64 triple loop: odd shapes (1x1x1, sizes that are not
//! multiples of the micro-tile or of the cache blocks), all four transpose combinations,
//! accumulate on and off, the bias/ReLU epilogue, and both the dispatched kernel (AVX2+FMA on
//! most x86-64 machines, simd128 in wasm) and the portable one, which share the packing/blocking
//! driver.
//!
//! Runs natively (`cargo test --test gemm`) and in Chromium, where the simd128 micro-kernel is
//! the dispatched one (`wasm-pack test --headless --chrome -- --test gemm`), or its fused
//! relaxed-SIMD form in the second build (`scripts/test.sh wasm` runs both).
use gradient_garden::cpu::gemm::{sgemm, sgemm_epilogue, sgemm_portable, Bias, Epilogue};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

const RTOL: f32 = 5e-3;
const ATOL: f32 = 1e-5;

/// Deterministic values in [-1, 1) (a small LCG, so the test needs no RNG crate).
fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Stores the logical `rows x cols` matrix `logical` in the layout the kernel is told about:
/// as is, or transposed (`[cols, rows]`).
fn store(logical: &[f32], rows: usize, cols: usize, trans: bool) -> Vec<f32> {
    if !trans {
        return logical.to_vec();
    }
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = logical[r * cols + c];
        }
    }
    out
}

/// `c0 (if accumulate) + a . b + bias`, then ReLU, in f64 on logical (untransposed) matrices.
#[allow(clippy::too_many_arguments)]
fn reference(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c0: &[f32],
    accumulate: bool,
    e: &Epilogue,
) -> Vec<f32> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s: f64 = if accumulate {
                c0[i * n + j] as f64
            } else {
                0.0
            };
            for p in 0..k {
                s += a[i * k + p] as f64 * b[p * n + j] as f64;
            }
            s += match e.bias {
                Bias::None => 0.0,
                Bias::PerRow(bias) => bias[i] as f64,
                Bias::PerCol(bias) => bias[j] as f64,
            };
            if e.relu {
                s = s.max(0.0);
            }
            out[i * n + j] = s as f32;
        }
    }
    out
}

/// Burn's tolerance `|x - y| <= max(RTOL * |x + y|, ATOL)`; on failure prints the max difference
/// and the first mismatching indices (llm.c's `validate_result`).
fn assert_close(got: &[f32], want: &[f32], n: usize, what: &str) {
    assert_eq!(got.len(), want.len());
    let mut max_diff = 0.0f32;
    let mut bad = Vec::new();
    for (idx, (g, w)) in got.iter().zip(want).enumerate() {
        let diff = (g - w).abs();
        max_diff = max_diff.max(diff);
        // NaN never passes.
        if diff.is_nan() || diff > (RTOL * (g + w).abs()).max(ATOL) {
            bad.push(idx);
        }
    }
    if !bad.is_empty() {
        let first: Vec<String> = bad
            .iter()
            .take(5)
            .map(|&i| format!("[{}, {}] got {} want {}", i / n, i % n, got[i], want[i]))
            .collect();
        panic!(
            "{what}: {} mismatches, max diff {max_diff:e}; first: {}",
            bad.len(),
            first.join("; ")
        );
    }
}

type Gemm = fn(usize, usize, usize, &[f32], bool, &[f32], bool, &mut [f32], bool, Epilogue);

#[allow(clippy::too_many_arguments)]
fn dispatched(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    at: bool,
    b: &[f32],
    bt: bool,
    c: &mut [f32],
    acc: bool,
    e: Epilogue,
) {
    sgemm_epilogue(m, k, n, a, at, b, bt, c, acc, e)
}

#[cfg(not(target_arch = "wasm32"))]
const KERNELS: [(&str, Gemm); 2] = [("dispatched", dispatched), ("portable", sgemm_portable)];
/// In wasm also the unfused simd128 kernel: in the relaxed-SIMD build (scripts/wasm_builds.sh)
/// the dispatched one fuses its multiply-adds, and both must hold to the reference.
#[cfg(target_arch = "wasm32")]
const KERNELS: [(&str, Gemm); 3] = [
    ("dispatched", dispatched),
    ("portable", sgemm_portable),
    ("unfused", gradient_garden::cpu::gemm::sgemm_unfused),
];

/// Shapes chosen to hit every edge: 1x1x1, m/n not multiples of the 4x8 / 6x16 tiles, k past
/// one and two KC=256 blocks, m past two MC=96 blocks, n past two NC=2048 blocks, the training
/// shapes.
const SHAPES: [(usize, usize, usize); 14] = [
    (1, 1, 1),
    (1, 7, 1),
    (2, 3, 17),
    (33, 17, 5),
    (7, 129, 65),
    (6, 16, 16),
    (13, 300, 31),
    (97, 257, 19),
    (100, 9, 33),
    (32, 9, 676),
    (128, 784, 10),
    (5, 600, 200),
    (200, 3, 7),
    (3, 5, 4200),
];

fn check_all(e_for: impl Fn(usize, usize) -> (Vec<f32>, bool, bool)) {
    for (name, gemm) in KERNELS {
        for (si, &(m, k, n)) in SHAPES.iter().enumerate() {
            let a = values(m * k, 10 + si as u64);
            let b = values(k * n, 20 + si as u64);
            let c0 = values(m * n, 30 + si as u64);
            let (bias, per_row, relu) = e_for(m, n);
            let epilogue = Epilogue {
                bias: match (bias.is_empty(), per_row) {
                    (true, _) => Bias::None,
                    (false, true) => Bias::PerRow(&bias),
                    (false, false) => Bias::PerCol(&bias),
                },
                relu,
            };
            for at in [false, true] {
                for bt in [false, true] {
                    for acc in [false, true] {
                        let a_s = store(&a, m, k, at);
                        let b_s = store(&b, k, n, bt);
                        let mut c = c0.clone();
                        gemm(m, k, n, &a_s, at, &b_s, bt, &mut c, acc, epilogue);
                        let want = reference(m, k, n, &a, &b, &c0, acc, &epilogue);
                        let what = format!(
                            "{name} m={m} k={k} n={n} a_trans={at} b_trans={bt} accumulate={acc} {epilogue:?}"
                        );
                        assert_close(&c, &want, n, &what);
                    }
                }
            }
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn matches_naive_on_odd_shapes_all_transposes() {
    check_all(|_, _| (Vec::new(), false, false));
}

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

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn empty_depth_zeroes_or_keeps_c() {
    // k = 0: the product is empty, so C becomes 0 (or stays, when accumulating), plus the bias.
    let (m, n) = (3, 5);
    let c0 = values(m * n, 7);
    let bias = values(n, 8);
    let mut c = c0.clone();
    sgemm(m, 0, n, &[], false, &[], false, &mut c, false);
    assert!(c.iter().all(|&v| v == 0.0));
    let mut c = c0.clone();
    sgemm_epilogue(
        m,
        0,
        n,
        &[],
        false,
        &[],
        true,
        &mut c,
        true,
        Epilogue {
            bias: Bias::PerCol(&bias),
            relu: false,
        },
    );
    for (idx, v) in c.iter().enumerate() {
        assert_eq!(*v, c0[idx] + bias[idx % n]);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn dense_layer_products() {
    // The three products of a dense layer (x [batch, in], w [out, in]) as the module doc lists them.
    let (batch, n_in, n_out) = (37, 70, 23);
    let x = values(batch * n_in, 3);
    let w = values(n_out * n_in, 4);
    let dy = values(batch * n_out, 5);
    let wt = store(&w, n_out, n_in, true); // logical w^T [in, out]
    let dyt = store(&dy, batch, n_out, true); // logical dy^T [out, batch]
    let none = Epilogue::NONE;

    let mut y = vec![0.0; batch * n_out];
    sgemm(batch, n_in, n_out, &x, false, &w, true, &mut y, false);
    assert_close(
        &y,
        &reference(batch, n_in, n_out, &x, &wt, &[], false, &none),
        n_out,
        "y = x.w^T",
    );

    let mut dx = vec![0.0; batch * n_in];
    sgemm(batch, n_out, n_in, &dy, false, &w, false, &mut dx, false);
    assert_close(
        &dx,
        &reference(batch, n_out, n_in, &dy, &w, &[], false, &none),
        n_in,
        "dx = dy.w",
    );

    let mut dw = vec![0.0; n_out * n_in];
    sgemm(n_out, batch, n_in, &dy, true, &x, false, &mut dw, false);
    assert_close(
        &dw,
        &reference(n_out, batch, n_in, &dyt, &x, &[], false, &none),
        n_in,
        "dw = dy^T.x",
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[should_panic(expected = "a must hold")]
fn rejects_wrong_lengths() {
    let mut c = vec![0.0; 4];
    sgemm(2, 3, 2, &[0.0; 5], false, &[0.0; 6], false, &mut c, false);
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
fn wasm_dispatches_to_the_builds_simd_kernel() {
    // .cargo/config.toml turns on simd128 (scripts/wasm_builds.sh adds relaxed-simd for the
    // second build); without it sgemm would silently fall back to the portable kernel and every
    // browser test above would test the wrong micro-kernel.
    let want = if cfg!(target_feature = "relaxed-simd") {
        "wasm-relaxed-simd"
    } else {
        "wasm-simd128"
    };
    let name = gradient_garden::cpu::gemm::kernel_name();
    assert!(name.starts_with(want), "{name}, expected {want}");
}

/// Counts heap allocations made by the current thread, so the test below can check that a
/// repeated call reuses the thread-local packing buffers (tests run on parallel threads).
#[cfg(not(target_arch = "wasm32"))]
mod alloc_count {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static ALLOCS: Cell<usize> = const { Cell::new(0) };
    }

    pub struct Counting;

    // SAFETY: forwards every call to the system allocator unchanged.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    pub fn on_this_thread() -> usize {
        ALLOCS.with(|c| c.get())
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn repeated_calls_do_not_allocate() {
    let (m, k, n) = (130, 600, 70);
    let (a, b, bias) = (values(m * k, 1), values(n * k, 2), values(n, 3));
    let mut c = vec![0.0; m * n];
    let e = Epilogue {
        bias: Bias::PerCol(&bias),
        relu: true,
    };
    // The first call grows the thread-local packing buffers; later calls of the same or
    // smaller shapes must reuse them.
    let start = alloc_count::on_this_thread();
    sgemm_epilogue(m, k, n, &a, false, &b, true, &mut c, false, e);
    let before = alloc_count::on_this_thread();
    // Each test runs on a fresh thread, so the first call had to grow the buffers: this also
    // shows the counter sees sgemm's allocations at all.
    assert!(
        before > start,
        "the first call should have grown the packing buffers"
    );
    sgemm_epilogue(m, k, n, &a, false, &b, true, &mut c, false, e);
    sgemm(
        m / 2,
        k,
        n,
        &a[..m / 2 * k],
        true,
        &b,
        false,
        &mut c[..m / 2 * n],
        true,
    );
    assert_eq!(
        alloc_count::on_this_thread() - before,
        0,
        "sgemm allocated on a repeated call"
    );
}
