//! `cpu::gemm::sgemm`'s plain products against a naive f64 triple loop: odd shapes (1x1x1, sizes
//! that are not multiples of the micro-tile or of the cache blocks), all four transpose
//! combinations, accumulate on and off, an empty depth, a dense layer's three products, and both
//! the dispatched kernel (AVX2+FMA on most x86-64 machines, simd128 in wasm) and the portable one,
//! which share the packing/blocking driver. Also what the driver promises besides the values: it
//! rejects wrong lengths, reuses its packing buffers, and in wasm dispatches to the build's kernel.
//! The bias/ReLU epilogue is `tests/gemm_epilogue.rs`'s.
//!
//! Runs natively (`cargo test --test gemm_products`) and in Chromium, where the simd128
//! micro-kernel is the dispatched one (`wasm-pack test --headless --chrome -- --test
//! gemm_products`), or its fused relaxed-SIMD form in the second build (`scripts/test.sh wasm`
//! runs both).
use gradient_garden::cpu::gemm::{sgemm, sgemm_epilogue, Bias, Epilogue};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

mod gemm_support;
use gemm_support::{assert_close, check_all, reference, store, values};

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn matches_naive_on_odd_shapes_all_transposes() {
    check_all(|_, _| (Vec::new(), false, false));
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
