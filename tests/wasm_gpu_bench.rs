//! Browser benchmark of the GPU backend (not a test: speed is never asserted, and
//! `scripts/test.sh` leaves `*_bench.rs` files out): training throughput, one-image latency and
//! matmul GFLOP/s per kernel variant on the browser's adapter, and a per-dispatch profile of one
//! training step. Run with `scripts/bench_wasm.sh wasm_gpu_bench`.
#![cfg(target_arch = "wasm32")]
mod wasm_support;

use gradient_garden::backend::{Backend, TrainBatch};
use gradient_garden::gpu::GpuBackend;
use gradient_garden::init::init_params;
use gradient_garden::optim::OptimizerConfig;
use gradient_garden::spec::ModelSpec;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_support::synthetic;

wasm_bindgen_test_configure!(run_in_browser);

fn train(gpu: &mut GpuBackend, batch: usize, steps: u32) {
    let cfg = OptimizerConfig::default();
    for s in 0..steps {
        let idx: Vec<u32> = (0..batch as u32).map(|i| (i + s * 7) % 256).collect();
        let b = TrainBatch {
            indices: &idx,
            transforms: &[],
            seed: s,
        };
        gpu.train_step(&b, &cfg).unwrap();
    }
}

/// Prints (never asserts) training throughput, one-image latency and matmul GFLOP/s on the
/// browser's adapter.
#[wasm_bindgen_test]
async fn browser_gpu_throughput_report() {
    let now = || js_sys::Date::now() / 1000.0;
    let (images, labels) = synthetic(256);
    // Barrier-free matmuls with 4x4 blocks only and by shape (8x8 blocks for big products),
    // interleaved: the machine is noisy. (Tiled kernels with barriers are 2-3x slower here.)
    use gradient_garden::gpu::kernels::Kernel;
    let variants = [Kernel::MatmulDirect, Kernel::MatmulDirectWide];
    for (name, batch, steps) in [("mlp", 128usize, 10u32), ("cnn", 64, 3)] {
        for direct in variants {
            gradient_garden::gpu::set_matmul_variant(Some(direct));
            let spec = ModelSpec::preset(name).unwrap();
            let params = init_params(&spec, 1).unwrap();
            let Ok(mut gpu) = GpuBackend::new(&spec, &params, batch).await else {
                console_log!("==== SKIP: no GPU adapter ====");
                return;
            };
            gpu.upload_train_set(&images, &labels).unwrap();
            train(&mut gpu, batch, 2);
            gpu.take_metrics().await.unwrap();
            let start = now();
            train(&mut gpu, batch, steps);
            gpu.take_metrics().await.unwrap();
            let secs = now() - start;
            let image = vec![0.5f32; 784];
            let t = now();
            for _ in 0..10 {
                gpu.logits(&image).await.unwrap();
            }
            let predict_ms = (now() - t) * 100.0;
            console_log!(
            "THROUGHPUT {name} batch {batch} matmul {direct:?}: {:.0} samples/s, one-image predict {:.1} ms ({:?})",
            (steps as usize * batch) as f64 / secs,
            predict_ms,
            gpu.info()
        );
        }
    }
    gradient_garden::gpu::set_matmul_variant(None);
    // Square products, and the CNN's conv2 input-gradient shape (m = 288, k = 64, n = 64 * 121).
    for (m, k, n, iters) in [(256, 256, 256, 5), (288, 64, 7744, 2), (7744, 288, 64, 2)] {
        for tiles in [
            Kernel::MatmulSmall,
            Kernel::MatmulDirect,
            Kernel::MatmulDirectWide,
        ] {
            let gflops =
                gradient_garden::gpu::probe::bench_matmul_tiles(m, k, n, iters, Some(tiles))
                    .await
                    .unwrap();
            console_log!("THROUGHPUT matmul {m}x{k}x{n} {tiles:?}: {gflops:.2} GFLOP/s");
        }
    }
}

/// Prints (never asserts) each dispatch of one training step, run alone and waited for, on the
/// browser's adapter, and the dispatch count per step.
#[wasm_bindgen_test]
async fn browser_gpu_profile_step_report() {
    let (images, labels) = synthetic(256);
    for (name, batch) in [("mlp", 128usize), ("cnn", 64)] {
        let spec = ModelSpec::preset(name).unwrap();
        let params = init_params(&spec, 1).unwrap();
        let Ok(mut gpu) = GpuBackend::new(&spec, &params, batch).await else {
            console_log!("==== SKIP: no GPU adapter ====");
            return;
        };
        gpu.upload_train_set(&images, &labels).unwrap();
        train(&mut gpu, batch, 1);
        gpu.take_metrics().await.unwrap();
        // Twice: the first replay warms up.
        gpu.profile_step().await.unwrap();
        let rows = gpu.profile_step().await.unwrap();
        let total: f64 = rows.iter().map(|r| r.1).sum();
        console_log!(
            "PROFILE {name} batch {batch}: {} dispatches, {:.1} ms summed",
            rows.len(),
            total * 1e3
        );
        for (k, s) in rows {
            console_log!("PROFILE {name}   {:7.2} ms  {k}", s * 1e3);
        }
    }
}
