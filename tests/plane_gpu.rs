//! The plane on the GPU backend: `PlaneTrainer` with `backend: gpu` takes the same steps as on
//! the CPU (same batches from the same seed, same weights within the CPU-vs-GPU training
//! tolerance) for two and three classes and a regression, and a GPU plane learns XOR.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;
mod plane_support;

use gpu_support::{assert_close, or_skip};
use gradient_garden::engine::BackendChoice;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::points::config::HiddenActivation;
use gradient_garden::points::{DatasetKind, Feature, PlaneConfig, PlaneTrainer};
use plane_support::{boolean_xor_config, boolean_xor_corners};

fn on(backend: BackendChoice, config: &PlaneConfig) -> Option<PlaneTrainer> {
    let config = PlaneConfig {
        backend,
        ..config.clone()
    };
    or_skip(pollster::block_on(PlaneTrainer::create(config)))
}

/// 30 steps in three calls on each backend: every call's last loss, the weights after each call
/// and the test metrics at the end agree.
fn same_steps(what: &str, config: PlaneConfig) {
    let mut cpu = on(BackendChoice::Cpu, &config).expect("the CPU is always there");
    let Some(mut gpu) = on(BackendChoice::Gpu, &config) else {
        return;
    };
    assert_eq!((cpu.backend(), gpu.backend()), ("cpu", "gpu"));
    for call in 0..3 {
        let c = pollster::block_on(cpu.step_async(10)).unwrap();
        let g = pollster::block_on(gpu.step_async(10)).unwrap();
        assert_close(&format!("{what} loss, call {call}"), &[g], &[c], 1e-3, 1e-5);
        let (gw, cw) = (gpu.params_flat(), cpu.params_flat());
        assert_close(
            &format!("{what} weights, call {call}"),
            &gw,
            &cw,
            5e-3,
            1e-5,
        );
    }
    let (c, g) = (cpu.test_metrics().unwrap(), gpu.test_metrics().unwrap());
    assert_close(
        &format!("{what} test loss"),
        &[g.loss],
        &[c.loss],
        5e-3,
        1e-5,
    );
    assert_eq!(g.accuracy.is_some(), c.accuracy.is_some());
    assert_eq!(gpu.steps(), 30);
}

fn small(dataset: DatasetKind, classes: usize, kind: OptimizerKind, lr: f32) -> PlaneConfig {
    PlaneConfig {
        dataset,
        classes,
        points: 60,
        noise: 0.1,
        features: vec![Feature::X1, Feature::X2, Feature::X1TimesX2],
        layers: vec![5, 3],
        activation: HiddenActivation::Tanh,
        batch: 8,
        optimizer: OptimizerConfig {
            kind,
            lr,
            l1: 1e-3,
            weight_decay: 1e-3,
            ..OptimizerConfig::default()
        },
        ..PlaneConfig::default()
    }
}

#[test]
fn two_classes_step_alike_on_cpu_and_gpu() {
    same_steps(
        "circle",
        small(DatasetKind::Circle, 2, OptimizerKind::Sgd, 0.1),
    );
}

#[test]
fn three_classes_step_alike_on_cpu_and_gpu() {
    same_steps(
        "spiral 3",
        small(DatasetKind::Spiral, 3, OptimizerKind::Adam, 0.01),
    );
}

#[test]
fn a_regression_steps_alike_on_cpu_and_gpu() {
    same_steps(
        "plane",
        small(DatasetKind::Plane, 2, OptimizerKind::Momentum, 0.01),
    );
}

/// Boolean XOR's four corners, 2-2-1 tanh with Adam (the setup tests/plane_learning.rs learns
/// on the CPU), all on the GPU.
#[test]
fn a_gpu_plane_learns_boolean_xor() {
    let corners = boolean_xor_corners();
    let config = PlaneConfig {
        backend: BackendChoice::Gpu,
        ..boolean_xor_config()
    };
    let built = PlaneTrainer::create_with_points(config, corners.clone(), corners);
    let Some(mut t) = or_skip(pollster::block_on(built)) else {
        return;
    };
    // The plain calls refuse a GPU plane (they cannot wait) instead of blocking.
    assert!(t.step(1).is_err());
    let mut accuracy = 0.0;
    for _ in 0..10 {
        pollster::block_on(t.step_async(50)).unwrap();
        accuracy = t.test_metrics().unwrap().accuracy.unwrap();
        if accuracy == 1.0 {
            break;
        }
    }
    assert_eq!(
        accuracy,
        1.0,
        "boolean XOR on the GPU after {} steps",
        t.steps()
    );
    assert!(t.grid(8).unwrap().output.iter().all(|v| v.is_finite()));
}
