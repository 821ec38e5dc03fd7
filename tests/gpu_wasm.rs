//! The GPU backend in a real browser: Chromium's WebGPU (SwiftShader headless, compiled by Tint,
//! not naga) trains the MLP and CNN presets and must match the CPU reference step for step.
//! Also exercises the wasm readback path (map_async + oneshot, no blocking poll).
//!
//! Run by `scripts/test.sh wasm` (wasm-bindgen-test-runner in headless Chromium). Native
//! `cargo test` compiles this file to nothing. A missing adapter FAILS unless
//! `GARDEN_ALLOW_NO_GPU` was set at build time (then a loud SKIP).
#![cfg(target_arch = "wasm32")]
mod wasm_support;

use gradient_garden::backend::{Backend, TrainBatch};
use gradient_garden::cpu::CpuBackend;
use gradient_garden::error::Error;
use gradient_garden::gpu::GpuBackend;
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::ModelSpec;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_support::synthetic;

wasm_bindgen_test_configure!(run_in_browser);

fn close(a: f32, b: f32, rtol: f32, atol: f32) -> bool {
    (a - b).abs() <= (rtol * (a + b).abs()).max(atol)
}

async fn compare(spec: ModelSpec, batch: usize, kind: OptimizerKind, lr: f32) {
    let params = init_params(&spec, 5).unwrap();
    let mut gpu = match GpuBackend::new(&spec, &params, batch).await {
        Ok(g) => g,
        Err(Error::NoGpu(why)) if option_env!("GARDEN_ALLOW_NO_GPU").is_some() => {
            console_log!("==== SKIP: no GPU adapter ({why}) ====");
            return;
        }
        Err(e) => panic!("GPU backend failed in the browser: {e}"),
    };
    console_log!("adapter: {:?}", gpu.info());
    let mut cpu = CpuBackend::reference(&spec, &params, batch).unwrap();
    let (images, labels) = synthetic(64);
    gpu.upload_train_set(&images, &labels).unwrap();
    cpu.upload_train_set(&images, &labels).unwrap();
    let cfg = OptimizerConfig {
        kind,
        lr,
        ..OptimizerConfig::default()
    };
    for step in 0..5u32 {
        let idx: Vec<u32> = (0..batch as u32)
            .map(|i| (i * 13 + step * 5) % 64)
            .collect();
        let b = TrainBatch {
            indices: &idx,
            transforms: &[],
            seed: step,
        };
        gpu.train_step(&b, &cfg).unwrap();
        cpu.train_step(&b, &cfg).unwrap();
    }
    let gm = gpu.take_metrics().await.unwrap();
    let cm = cpu.take_metrics().await.unwrap();
    assert_eq!(gm.len(), 5);
    for (g, c) in gm.iter().zip(&cm) {
        console_log!("step {}: gpu {} cpu {}", g.step, g.loss, c.loss);
        assert!(
            close(g.loss, c.loss, 1e-3, 0.0),
            "step {} loss {} vs {}",
            g.step,
            g.loss,
            c.loss
        );
        assert_eq!(g.correct, c.correct);
    }
    let (gp, cp) = (
        gpu.read_params().await.unwrap(),
        cpu.read_params().await.unwrap(),
    );
    for (g, c) in gp.iter().zip(&cp) {
        let bad = g
            .tensor
            .data
            .iter()
            .zip(&c.tensor.data)
            .position(|(a, b)| !close(*a, *b, 5e-3, 1e-4));
        assert!(bad.is_none(), "{} differs at {bad:?}", g.name);
    }
    let image: Vec<f32> = images[..784].iter().map(|&p| p as f32 / 255.0).collect();
    let (ga, ca) = (
        gpu.activations(&image).await.unwrap(),
        cpu.activations(&image).await.unwrap(),
    );
    for (i, (g, c)) in ga.iter().zip(&ca).enumerate() {
        assert_eq!(g.shape, c.shape);
        let bad = g
            .data
            .iter()
            .zip(&c.data)
            .position(|(a, b)| !close(*a, *b, 5e-3, 1e-5));
        assert!(bad.is_none(), "activation {i} differs at {bad:?}");
    }
    let stats = gpu.layer_stats().await.unwrap();
    assert_eq!(stats.len(), cp.len());
    assert!(stats
        .iter()
        .all(|s| s.grad_norm > 0.0 && s.update_norm > 0.0));
}

#[wasm_bindgen_test]
async fn browser_gpu_mlp_adam_matches_cpu() {
    compare(ModelSpec::mlp(), 16, OptimizerKind::Adam, 1e-3).await;
}

#[wasm_bindgen_test]
async fn browser_gpu_cnn_sgd_matches_cpu() {
    compare(ModelSpec::cnn(), 4, OptimizerKind::Sgd, 0.05).await;
}
