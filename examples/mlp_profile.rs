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
#[path = "support/timing.rs"]
mod timing;

fn main() {
    print!(
        "{}",
        mlp_phases::report(&timing::clock_from_env("MLP_PROFILE_ROUNDS"))
    );
}
