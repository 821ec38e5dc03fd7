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
#[path = "../examples/support/timing.rs"]
mod timing;

use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn mlp_step_profile() {
    console_log!("{}", timing::browser_report(mlp_phases::report));
}
