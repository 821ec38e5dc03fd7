//! Where an MLP training step's time goes on the CPU backend: the mlp preset (dense 128 -> relu
//! -> dense 10, softmax cross-entropy, Adam) at batch 128, each phase timed alone with the
//! functions the backend calls, then whole `train_step`s and the split step's parts
//! (`keep_part_gradients` of 128 and of 64 samples, `apply_adding`).
//!
//! `cargo run --release --example mlp_profile` (native: the x86 AVX2+FMA or portable kernel).
//! Prints the fastest of 15 rounds (`MLP_PROFILE_ROUNDS` to change) per phase. The same profile
//! runs in Chromium on the wasm kernel: `WASM_BUILD=relaxed-simd scripts/bench_wasm.sh
//! wasm_mlp_bench`.
#[path = "support/mlp_phases.rs"]
mod mlp_phases;

use std::sync::OnceLock;
use std::time::Instant;

fn now_ms() -> f64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

fn main() {
    let rounds = std::env::var("MLP_PROFILE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(15);
    print!(
        "{}",
        mlp_phases::report(&mlp_phases::Clock { now_ms, rounds })
    );
}
