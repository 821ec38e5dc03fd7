//! Browser benchmark: the MLP step profile of `examples/mlp_profile.rs` (same phases, same code:
//! `examples/support/mlp_phases.rs`) in headless Chromium, on the wasm micro-kernel the page
//! runs. Prints the table; speed is never asserted.
//!
//! `WASM_BUILD=relaxed-simd scripts/bench_wasm.sh wasm_mlp_bench` (or without `WASM_BUILD` for
//! the simd128 build); `scripts/test.sh` leaves `*_bench.rs` files out. Native `cargo test`
//! compiles this file to nothing.
#![cfg(target_arch = "wasm32")]

#[path = "../examples/support/mlp_phases.rs"]
mod mlp_phases;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// `performance.now()` in ms, found through the global object (window or worker alike).
fn now_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).unwrap();
    let now: js_sys::Function = js_sys::Reflect::get(&perf, &JsValue::from_str("now"))
        .unwrap()
        .unchecked_into();
    now.call0(&perf).unwrap().as_f64().unwrap()
}

#[wasm_bindgen_test]
fn mlp_step_profile() {
    // A first pass at few rounds lets V8 swap its baseline code (Liftoff) for the optimised one
    // (TurboFan) before the pass that is reported.
    mlp_phases::report(&mlp_phases::Clock { now_ms, rounds: 2 });
    let report = mlp_phases::report(&mlp_phases::Clock { now_ms, rounds: 15 });
    console_log!(
        "{} build\n{report}",
        if cfg!(target_feature = "relaxed-simd") {
            "relaxed-simd"
        } else {
            "simd128"
        }
    );
}
