//! Where a CNN training step's time goes on the CPU backend: the cnn preset (conv 32 -> relu ->
//! pool -> conv 64 -> relu -> pool -> dense 64 -> relu -> dense 10) at batch 64, each phase
//! timed alone with the functions the backend calls (`cpu::conv2d_forward`, `cpu::gemm::sgemm`,
//! ...). A convolution's matmuls are timed on their own with the same per-image shapes, on an
//! im2col matrix written beforehand, so its other work (im2col, col2im, bias, and since the
//! weight gradient packs from the image, the gap between that and packing the written matrix;
//! conv1's weight gradient also runs transposed) is the convolution's time minus its matmuls'.
//! The "whole convolution calls" line gives each call undivided, the figure to compare.
//!
//! `cargo run --release --example cnn_profile` (native: the x86 AVX2+FMA or portable kernel; the
//! split between phases is what matters, the browser's wasm kernel is slower on all of them).
//! Prints the fastest of 15 rounds (`CNN_PROFILE_ROUNDS` to change) per phase, in ms per step
//! and as a share of the step. The same profile runs in Chromium on the wasm kernel:
//! `WASM_BUILD=relaxed-simd scripts/bench_wasm.sh wasm_cnn_bench`.
#[path = "support/cnn_phases.rs"]
mod cnn_phases;
#[path = "support/timing.rs"]
mod timing;

fn main() {
    print!(
        "{}",
        cnn_phases::report(&timing::clock_from_env("CNN_PROFILE_ROUNDS"))
    );
}
