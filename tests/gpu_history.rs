//! Snapshots and resuming on the WebGPU backend (natively on lavapipe): the optimizer's moments
//! are read back and written with the weights (src/gpu/moments.rs), so a run resumed from a kept
//! step retakes the original steps: the same losses and the same weights, bit for bit (the
//! kernels are deterministic on one adapter).
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{mnist, or_skip};
use gradient_garden::backend::Backend;
use gradient_garden::engine::Engine;
use gradient_garden::gpu::GpuBackend;
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::{LayerSpec, Loss, ModelSpec};
use gradient_garden::tensor::flatten;
use gradient_garden::trainer::{Augment, StepRecord, Trainer, TrainerConfig};
use pollster::block_on;
use std::collections::HashMap;

#[test]
fn gpu_resume_retakes_the_original_steps() {
    use LayerSpec::*;
    let spec = ModelSpec {
        input: vec![784],
        layers: vec![
            Dense { units: 24 },
            Relu,
            Dropout { rate: 0.3 },
            Dense { units: 10 },
        ],
        loss: Loss::SoftmaxCrossEntropy,
    };
    let data = mnist().take(200);
    let config = TrainerConfig {
        batch: 10,
        seed: 7,
        optimizer: OptimizerConfig {
            kind: OptimizerKind::Adam,
            lr: 0.01,
            ..OptimizerConfig::default()
        },
        augment: Augment {
            shift: 1.5,
            rotate: 8.0,
        },
        validation: 0.1,
        ..TrainerConfig::default()
    };
    let params = init_params(&spec, 3).unwrap();
    let Some(gpu) = or_skip(block_on(GpuBackend::new(&spec, &params, 10))) else {
        return;
    };
    let mut t = Trainer::new(Engine::Gpu(Box::new(gpu)), spec, config, &data).unwrap();
    t.set_rollback_point(params);
    block_on(t.snapshot_start()).unwrap();
    let weights = |t: &mut Trainer| flatten(&block_on(t.engine().read_params()).unwrap());
    let mut seen = HashMap::new();
    let run = |t: &mut Trainer, n: usize, seen: &mut HashMap<u64, Vec<f32>>| {
        let mut records: Vec<StepRecord> = Vec::new();
        for _ in 0..n {
            t.step().unwrap();
            records.extend(block_on(t.poll()).unwrap());
            seen.insert(t.steps_enqueued(), weights(t));
        }
        records
    };
    let original = run(&mut t, 24, &mut seen);
    let info = block_on(t.resume_from(9)).unwrap();
    assert_eq!(info.step, 9, "every early step is kept");
    let mut again = HashMap::new();
    let replay = run(&mut t, 15, &mut again);
    assert_eq!(replay, original[9..].to_vec(), "the resumed steps' records");
    for step in 10..=24 {
        assert_eq!(again[&step], seen[&step], "weights after step {step}");
    }
}
