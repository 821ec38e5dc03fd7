//! The read-only paths of the GPU backend against the CPU reference: logits (one image, a
//! partial chunk, several chunks), every layer's activations, layer stats, and parameter writes.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{assert_close, assert_params_close, mnist, or_skip};
use gradient_garden::backend::{Backend, TrainBatch};
use gradient_garden::cpu::CpuBackend;
use gradient_garden::gpu::GpuBackend;
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::ModelSpec;

fn mixed_spec() -> ModelSpec {
    ModelSpec::from_json(
        r#"{"input":[1,28,28],"layers":[
            {"type":"conv2d","filters":4,"kernel":3,"padding":"same"},{"type":"relu"},
            {"type":"max_pool2d","size":2},{"type":"conv2d","filters":5,"kernel":4},{"type":"sigmoid"},
            {"type":"flatten"},{"type":"dropout","rate":0.5},{"type":"dense","units":33},{"type":"tanh"},
            {"type":"dense","units":10}]}"#,
    )
    .unwrap()
}

fn pair(spec: &ModelSpec, batch: usize) -> Option<(GpuBackend, CpuBackend)> {
    let params = init_params(spec, 3).unwrap();
    let gpu = or_skip(pollster::block_on(GpuBackend::new(spec, &params, batch)))?;
    Some((gpu, CpuBackend::reference(spec, &params, batch).unwrap()))
}

#[test]
fn logits_and_activations_match_cpu() {
    for spec in [ModelSpec::mlp(), ModelSpec::cnn(), mixed_spec()] {
        let Some((mut gpu, mut cpu)) = pair(&spec, 4) else {
            return;
        };
        let data = mnist().take(130);
        pollster::block_on(async {
            for n in [1, 3, 130] {
                let images = data.pixels_f32(0, n);
                let g = gpu.logits(&images).await.unwrap();
                let c = cpu.logits(&images).await.unwrap();
                assert_close(&format!("logits n={n}"), &g, &c, 5e-3, 1e-5);
            }
            let image = data.pixels_f32(7, 8);
            let g = gpu.activations(&image).await.unwrap();
            let c = cpu.activations(&image).await.unwrap();
            assert_eq!(g.len(), spec.layers.len());
            for (i, (g, c)) in g.iter().zip(&c).enumerate() {
                assert_eq!(g.shape, c.shape, "layer {i} shape");
                assert_close(&format!("activation {i}"), &g.data, &c.data, 5e-3, 1e-5);
            }
        });
    }
}

#[test]
fn layer_stats_and_write_params_match_cpu() {
    let spec = mixed_spec();
    let Some((mut gpu, mut cpu)) = pair(&spec, 6) else {
        return;
    };
    let data = mnist().take(64);
    gpu.upload_train_set(&data.images, &data.labels).unwrap();
    cpu.upload_train_set(&data.images, &data.labels).unwrap();
    pollster::block_on(async {
        assert!(
            gpu.layer_stats().await.unwrap().is_empty(),
            "no stats before a step"
        );
        let cfg = OptimizerConfig {
            kind: OptimizerKind::Adam,
            weight_decay: 1e-3,
            ..OptimizerConfig::default()
        };
        // Per-sample affine transforms (rotation-ish, shift, and one far outside the image).
        let transforms: Vec<[f32; 6]> = (0..6)
            .map(|i| {
                let a = 0.1 * i as f32;
                [
                    a.cos(),
                    -a.sin(),
                    1.5 * i as f32 - 3.0,
                    a.sin(),
                    a.cos(),
                    0.7 - 0.3 * i as f32,
                ]
            })
            .collect();
        let indices: Vec<u32> = vec![5, 9, 63, 0, 17, 5];
        for step in 0..3 {
            let b = TrainBatch {
                indices: &indices,
                transforms: &transforms,
                seed: 100 + step,
            };
            gpu.train_step(&b, &cfg).unwrap();
            cpu.train_step(&b, &cfg).unwrap();
        }
        let g = gpu.layer_stats().await.unwrap();
        let c = cpu.layer_stats().await.unwrap();
        assert_eq!(g.len(), c.len());
        for (g, c) in g.iter().zip(&c) {
            assert_eq!(g.name, c.name);
            assert_close(
                &format!("{} grad/weight/update norms", g.name),
                &[g.grad_norm, g.weight_norm, g.update_norm],
                &[c.grad_norm, c.weight_norm, c.update_norm],
                5e-3,
                1e-5,
            );
        }
        let gm = gpu.take_metrics().await.unwrap();
        let cm = cpu.take_metrics().await.unwrap();
        for (g, c) in gm.iter().zip(&cm) {
            assert!(
                (g.loss - c.loss).abs() <= 1e-3 * c.loss.abs(),
                "{g:?} vs {c:?}"
            );
            assert_eq!(g.correct, c.correct);
        }

        // Writing parameters resets the step counter and optimizer state on both.
        let fresh = init_params(&spec, 11).unwrap();
        gpu.write_params(&fresh).unwrap();
        cpu.write_params(&fresh).unwrap();
        let read = gpu.read_params().await.unwrap();
        for (r, f) in read.iter().zip(&fresh) {
            assert_eq!(r, f, "read_params returns what write_params wrote");
        }
        let b = TrainBatch {
            indices: &indices,
            transforms: &[],
            seed: 1,
        };
        gpu.train_step(&b, &cfg).unwrap();
        cpu.train_step(&b, &cfg).unwrap();
        let gm = gpu.take_metrics().await.unwrap();
        assert_eq!(gm.len(), 1);
        assert_eq!(gm[0].step, 0, "steps count from 0 again after write_params");
        let (g, c) = (
            gpu.read_params().await.unwrap(),
            cpu.read_params().await.unwrap(),
        );
        assert_params_close("after reset", &g, &c, 5e-3, 1e-5);
    });
}

#[test]
fn optimizer_switch_and_lr_change_match_cpu() {
    let spec = ModelSpec::mlp();
    let Some((mut gpu, mut cpu)) = pair(&spec, 8) else {
        return;
    };
    let data = mnist().take(64);
    gpu.upload_train_set(&data.images, &data.labels).unwrap();
    cpu.upload_train_set(&data.images, &data.labels).unwrap();
    let plan = [
        (OptimizerKind::Adam, 1e-3),
        (OptimizerKind::Adam, 3e-3),
        (OptimizerKind::Momentum, 0.05),
        (OptimizerKind::Momentum, 0.01),
        (OptimizerKind::Adam, 1e-3),
        (OptimizerKind::Sgd, 0.1),
    ];
    pollster::block_on(async {
        for (step, &(kind, lr)) in plan.iter().enumerate() {
            let indices: Vec<u32> = (0..8).map(|i| (i * 5 + step as u32) % 64).collect();
            let b = TrainBatch {
                indices: &indices,
                transforms: &[],
                seed: 0,
            };
            let cfg = OptimizerConfig {
                kind,
                lr,
                ..OptimizerConfig::default()
            };
            gpu.train_step(&b, &cfg).unwrap();
            cpu.train_step(&b, &cfg).unwrap();
        }
        let (g, c) = (
            gpu.read_params().await.unwrap(),
            cpu.read_params().await.unwrap(),
        );
        assert_params_close("after the optimizer switches", &g, &c, 5e-3, 1e-5);
    });
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let spec = ModelSpec::mlp();
    let Some((mut gpu, _)) = pair(&spec, 4) else {
        return;
    };
    let cfg = OptimizerConfig::default();
    let idx = [0u32, 1, 2, 3];
    let b = TrainBatch {
        indices: &idx,
        transforms: &[],
        seed: 0,
    };
    assert!(gpu.train_step(&b, &cfg).is_err(), "training before upload");
    let data = mnist().take(3);
    gpu.upload_train_set(&data.images, &data.labels).unwrap();
    assert!(
        gpu.train_step(&b, &cfg).is_err(),
        "index 3 is outside a set of 3"
    );
    let short = TrainBatch {
        indices: &idx[..2],
        transforms: &[],
        seed: 0,
    };
    assert!(gpu.train_step(&short, &cfg).is_err(), "wrong batch size");
    assert!(pollster::block_on(gpu.logits(&[0.0; 10])).is_err());
    assert!(gpu
        .write_params(&init_params(&ModelSpec::cnn(), 1).unwrap())
        .is_err());
    let info = gpu.info();
    assert_eq!(info.kind, "gpu");
    eprintln!("adapter: {} (fallback {})", info.adapter, info.fallback);
}

/// More steps than the metrics ring holds between two reads: the newest `METRICS_RING` come back,
/// numbered correctly, with the same losses as the CPU.
#[test]
fn metrics_ring_wraps_and_keeps_the_newest() {
    use gradient_garden::gpu::METRICS_RING;
    let spec =
        ModelSpec::from_json(r#"{"input":[784],"layers":[{"type":"dense","units":10}]}"#).unwrap();
    let Some((mut gpu, mut cpu)) = pair(&spec, 1) else {
        return;
    };
    let data = mnist().take(32);
    gpu.upload_train_set(&data.images, &data.labels).unwrap();
    cpu.upload_train_set(&data.images, &data.labels).unwrap();
    let cfg = OptimizerConfig {
        kind: OptimizerKind::Sgd,
        lr: 0.01,
        ..OptimizerConfig::default()
    };
    let total = METRICS_RING + 5;
    pollster::block_on(async {
        for step in 0..total {
            let idx = [(step % 32) as u32];
            let b = TrainBatch {
                indices: &idx,
                transforms: &[],
                seed: 0,
            };
            gpu.train_step(&b, &cfg).unwrap();
            cpu.train_step(&b, &cfg).unwrap();
            if step == 2 {
                let first = gpu.take_metrics().await.unwrap();
                assert_eq!(first.iter().map(|m| m.step).collect::<Vec<_>>(), [0, 1, 2]);
                cpu.take_metrics().await.unwrap();
            }
        }
        let g = gpu.take_metrics().await.unwrap();
        let c = cpu.take_metrics().await.unwrap();
        assert_eq!(g.len(), METRICS_RING, "the ring keeps the newest steps");
        assert_eq!(g[0].step, (total - METRICS_RING) as u64);
        assert_eq!(g.last().unwrap().step, total as u64 - 1);
        let c = &c[c.len() - METRICS_RING..];
        for (g, c) in g.iter().zip(c).step_by(97) {
            assert_eq!(g.step, c.step);
            assert!(
                (g.loss - c.loss).abs() <= 1e-3 * c.loss.abs().max(1e-3),
                "{g:?} vs {c:?}"
            );
        }
    });
}
