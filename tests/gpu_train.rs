//! Whole training steps on the GPU against the CPU reference (`CpuBackend::reference`: every
//! convolution direct, as on the GPU), from identical initial weights.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{assert_params_close, mnist, or_skip};
use gradient_garden::backend::{Backend, TrainBatch};
use gradient_garden::cpu::CpuBackend;
use gradient_garden::gpu::GpuBackend;
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::ModelSpec;

fn opt(kind: OptimizerKind, lr: f32) -> OptimizerConfig {
    OptimizerConfig {
        kind,
        lr,
        ..OptimizerConfig::default()
    }
}

/// Train `steps` identical batches on both backends; compare every step's loss (1e-3 relative)
/// and accuracy, and the parameters after the first step and at the end.
fn compare_training(spec: &ModelSpec, batch: usize, steps: usize, cfg: OptimizerConfig) {
    pollster::block_on(async {
        let params = init_params(spec, 7).unwrap();
        let Some(mut gpu) = or_skip(GpuBackend::new(spec, &params, batch).await) else {
            return;
        };
        let mut cpu = CpuBackend::reference(spec, &params, batch).unwrap();
        let data = mnist().take(512);
        gpu.upload_train_set(&data.images, &data.labels).unwrap();
        cpu.upload_train_set(&data.images, &data.labels).unwrap();
        for step in 0..steps {
            let indices: Vec<u32> = (0..batch as u32)
                .map(|i| (i * 37 + step as u32 * 11) % 512)
                .collect();
            let b = TrainBatch {
                indices: &indices,
                transforms: &[],
                seed: step as u32,
            };
            gpu.train_step(&b, &cfg).unwrap();
            cpu.train_step(&b, &cfg).unwrap();
            if step == 0 {
                let (g, c) = (
                    gpu.read_params().await.unwrap(),
                    cpu.read_params().await.unwrap(),
                );
                assert_params_close("step 0", &g, &c, 5e-3, 1e-5);
            }
        }
        let gm = gpu.take_metrics().await.unwrap();
        let cm = cpu.take_metrics().await.unwrap();
        assert_eq!(gm.len(), steps);
        assert_eq!(cm.len(), steps);
        for (g, c) in gm.iter().zip(&cm) {
            eprintln!(
                "step {}: gpu loss {} ({} correct), cpu loss {} ({} correct)",
                g.step, g.loss, g.correct, c.loss, c.correct
            );
            assert_eq!(g.step, c.step);
            assert_eq!(g.samples, batch as u32);
            assert!(
                (g.loss - c.loss).abs() <= 1e-3 * c.loss.abs(),
                "step {} loss gpu {} vs cpu {}",
                g.step,
                g.loss,
                c.loss
            );
        }
        let (g, c) = (
            gpu.read_params().await.unwrap(),
            cpu.read_params().await.unwrap(),
        );
        assert_params_close("final", &g, &c, 5e-3, 1e-4);
        assert!(
            gpu.take_metrics().await.unwrap().is_empty(),
            "metrics are returned once"
        );
    });
}

#[test]
fn mlp_sgd_matches_cpu() {
    compare_training(&ModelSpec::mlp(), 16, 10, opt(OptimizerKind::Sgd, 0.1));
}

#[test]
fn mlp_adam_matches_cpu() {
    compare_training(&ModelSpec::mlp(), 16, 10, opt(OptimizerKind::Adam, 1e-3));
}

#[test]
fn cnn_sgd_matches_cpu() {
    compare_training(&ModelSpec::cnn(), 4, 10, opt(OptimizerKind::Sgd, 0.05));
}

#[test]
fn cnn_adam_matches_cpu() {
    compare_training(&ModelSpec::cnn(), 4, 10, opt(OptimizerKind::Adam, 1e-3));
}

/// Momentum with L2 weight decay, on a model with sigmoid, tanh, dropout, 'same' padding and MSE.
#[test]
fn mixed_model_momentum_mse_dropout_matches_cpu() {
    let spec = ModelSpec::from_json(
        r#"{"input":[1,28,28],"loss":"mse","layers":[
            {"type":"conv2d","filters":3,"kernel":5,"padding":"same"},{"type":"tanh"},
            {"type":"max_pool2d","size":3},{"type":"flatten"},{"type":"dropout","rate":0.3},
            {"type":"dense","units":17},{"type":"sigmoid"},{"type":"dense","units":10}]}"#,
    )
    .unwrap();
    let cfg = OptimizerConfig {
        weight_decay: 1e-2,
        ..opt(OptimizerKind::Momentum, 0.2)
    };
    compare_training(&spec, 5, 10, cfg);
}

/// Layers with no parameters at the bottom (a pool, then Flatten, under the first dense layer):
/// no gradient reaches them and none is needed, so the backward pass stops above them.
#[test]
fn parameterless_first_layers_match_cpu() {
    let spec = ModelSpec::from_json(
        r#"{"input":[1,28,28],"layers":[
            {"type":"max_pool2d","size":2},{"type":"flatten"},
            {"type":"dense","units":16},{"type":"relu"},{"type":"dense","units":10}]}"#,
    )
    .unwrap();
    compare_training(&spec, 4, 5, opt(OptimizerKind::Adam, 1e-2));
}
