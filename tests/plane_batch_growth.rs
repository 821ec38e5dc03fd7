//! A plane whose batch is capped by a small training set (`min(config.batch, train points)`)
//! grows it back as points are clicked in, and trains on from where it was: the same weights,
//! the same step count and the same optimizer state, on the CPU and on the GPU.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;
mod plane_support;

use gpu_support::{assert_close, or_skip};
use gradient_garden::engine::BackendChoice;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::points::{PlaneConfig, PlaneTrainer};
use plane_support::{boolean_xor_config, boolean_xor_corners};

const LR: f32 = 0.05;

/// Boolean XOR's four corners with a batch of 10: the batch starts at 4.
fn corners_with_batch_10(backend: BackendChoice, kind: OptimizerKind) -> Option<PlaneTrainer> {
    let corners = boolean_xor_corners();
    let config = PlaneConfig {
        batch: 10,
        layers: vec![3],
        // No L1 or L2, so a step's loss is the plain cross-entropy the metrics compute.
        optimizer: OptimizerConfig {
            kind,
            lr: LR,
            l1: 0.0,
            weight_decay: 0.0,
            ..OptimizerConfig::default()
        },
        backend,
        ..boolean_xor_config()
    };
    or_skip(pollster::block_on(PlaneTrainer::create_with_points(
        config,
        corners.clone(),
        corners,
    )))
}

/// Six more XOR points (class 1 where x1 and x2 have the same sign).
const ADDED: [(f32, f32, f32); 6] = [
    (1.0, 2.0, 1.0),
    (-1.0, -2.0, 1.0),
    (2.0, -1.0, 0.0),
    (-2.0, 1.0, 0.0),
    (0.5, 0.5, 1.0),
    (-0.5, 0.5, 0.0),
];

#[test]
fn added_points_grow_the_batch_and_training_goes_on_from_the_same_state() {
    let mut t = corners_with_batch_10(BackendChoice::Cpu, OptimizerKind::Adam)
        .expect("the CPU is always there");
    assert_eq!(t.batch(), 4, "min(10, 4 points)");
    t.step(20).unwrap();
    let weights = t.params_flat();
    for (i, &(x, y, class)) in ADDED.iter().enumerate() {
        t.add_point(x, y, class).unwrap();
        assert_eq!(t.batch(), 5 + i, "after {} added points", i + 1);
    }
    assert_eq!(t.steps_per_epoch(), 1, "one batch of 10 is the whole set");
    t.add_point(1.5, 1.5, 1.0).unwrap();
    assert_eq!(t.batch(), 10, "the batch stops at config.batch");
    assert_eq!(t.steps(), 20, "the step count carries over");
    assert_eq!(t.params_flat(), weights, "the weights carry over");

    // The next step's batch is 10 of the 11 points from the engine's weights: its loss is
    // near the whole set's loss in the CPU model (which reads those same weights).
    let whole = t.train_metrics().unwrap().loss;
    let step_loss = t.step(1).unwrap();
    assert!(
        (step_loss - whole).abs() < 0.35 * whole,
        "step loss {step_loss} vs whole-set loss {whole}"
    );

    // Adam's state carried over: a fresh Adam's first step moves every weight by about the
    // learning rate (m/sqrt(v) = g/|g|); after 20 steps of history the moves differ.
    let after: Vec<f32> = t.params_flat();
    let moves: Vec<f32> = after
        .iter()
        .zip(&weights)
        .map(|(a, b)| (a - b).abs())
        .collect();
    let off_lr = moves.iter().filter(|&&m| (m - LR).abs() > 0.2 * LR).count();
    assert!(
        off_lr * 2 > moves.len(),
        "most moves should not be the fresh-Adam lr: {moves:?}"
    );

    // And it keeps learning on the grown set.
    let before = t.train_metrics().unwrap().loss;
    t.step(200).unwrap();
    let trained = t.train_metrics().unwrap().loss;
    assert!(trained < before, "loss {before} -> {trained}");
    assert_eq!(t.steps(), 221);
}

/// The same clicks on the GPU take the CPU's steps: grown batch, carried weights and momentum
/// (momentum rather than Adam: XOR's balanced classes give near-zero bias gradients, whose
/// rounding noise Adam's g / sqrt(v) turns into whole +-lr steps either way).
#[test]
fn a_gpu_plane_grows_its_batch_like_the_cpu() {
    let momentum = OptimizerKind::Momentum;
    let mut cpu = corners_with_batch_10(BackendChoice::Cpu, momentum).expect("the CPU is there");
    let Some(mut gpu) = corners_with_batch_10(BackendChoice::Gpu, momentum) else {
        return;
    };
    assert_eq!(gpu.backend(), "gpu");
    for t in [&mut cpu, &mut gpu] {
        pollster::block_on(t.step_async(5)).unwrap();
        for &(x, y, class) in &ADDED {
            t.add_point(x, y, class).unwrap();
        }
    }
    assert_eq!(cpu.batch(), 10);
    assert_eq!(
        gpu.batch(),
        4,
        "a GPU plane grows its batch at the next step"
    );
    let c = pollster::block_on(cpu.step_async(5)).unwrap();
    let g = pollster::block_on(gpu.step_async(5)).unwrap();
    assert_eq!((gpu.batch(), gpu.steps()), (10, 10));
    assert_close("loss after growing", &[g], &[c], 1e-3, 1e-5);
    let (gw, cw) = (gpu.params_flat(), cpu.params_flat());
    assert_close("weights after growing", &gw, &cw, 5e-3, 1e-5);
}
