//! Steps split across workers at the trainer level (what the page's two engine workers run):
//! `plan_step` + `part_gradients` on two trainers + `finish_step` must record the same history
//! (losses, accuracy, epochs, learning rates) and reach the same weights as `step`, with dropout,
//! augmentation, an epoch boundary, a learning-rate change and a NaN rollback on the way.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::cpu::{CpuBackend, PartMetrics};
use gradient_garden::data::mnist::Mnist;
use gradient_garden::engine::Engine;
use gradient_garden::error::Error;
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::{LayerSpec, Loss, ModelSpec, Padding};
use gradient_garden::trainer::{Augment, StepPlan, StepRecord, Trainer, TrainerConfig};
use pollster::block_on;

const BATCH: usize = 12;

fn data() -> Mnist {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    // 120 images, 12 held out: 108 train = 9 steps per epoch, so a short run crosses an epoch.
    Mnist::load_dir(&dir, "train10k").unwrap().take(120)
}

fn conv_dropout() -> ModelSpec {
    use LayerSpec::*;
    ModelSpec {
        input: vec![1, 28, 28],
        layers: vec![
            Conv2d {
                filters: 3,
                kernel: 3,
                padding: Padding::Valid,
            },
            Relu,
            MaxPool2d { size: 2 },
            Dropout { rate: 0.25 },
            Flatten,
            Dense { units: 12 },
            Relu,
            Dropout { rate: 0.5 },
            Dense { units: 10 },
        ],
        loss: Loss::SoftmaxCrossEntropy,
    }
}

fn trainer(spec: &ModelSpec, init_seed: u64, config: &TrainerConfig, data: &Mnist) -> Trainer {
    let params = init_params(spec, init_seed).unwrap();
    let engine = Engine::Cpu(Box::new(
        CpuBackend::new(spec, &params, config.batch).unwrap(),
    ));
    Trainer::new(engine, spec.clone(), config.clone(), data).unwrap()
}

/// One step the way the page's two workers take it: `main` plans and owns the optimizer,
/// `helper` gets the weights and the plan and computes the second part.
fn split_step(main: &mut Trainer, helper: &mut Trainer, split: usize) -> StepPlan {
    let plan = main.plan_step();
    let params = block_on(main.params_flat()).unwrap();
    helper.set_params_flat(&params).unwrap();
    let (mut grads, mine) = main.part_gradients(&plan, 0..split).unwrap();
    let (theirs, other) = helper.part_gradients(&plan, split..BATCH).unwrap();
    for (g, t) in grads.iter_mut().zip(&theirs) {
        *g += t;
    }
    main.finish_step(&grads, mine + other).unwrap();
    plan
}

/// The same step with the main worker's part kept in its backend (`keep_part_gradients`) and
/// the helper's added to it (`finish_step_adding`), the weights written into the helper's
/// tensors in place: the page's shared-memory path.
fn kept_split_step(main: &mut Trainer, helper: &mut Trainer, split: usize) {
    let plan = main.plan_step();
    let params = block_on(main.params_flat()).unwrap();
    let mut at = 0;
    for p in helper.cpu_params_to_overwrite().unwrap() {
        let n = p.tensor.data.len();
        p.tensor.data.copy_from_slice(&params[at..at + n]);
        at += n;
    }
    let mine = main.keep_part_gradients(&plan, 0..split).unwrap();
    let (theirs, other) = helper.part_gradients(&plan, split..BATCH).unwrap();
    assert_eq!(mine.samples as usize, split);
    main.finish_step_adding(&theirs, other).unwrap();
}

fn assert_same_records(one: &[StepRecord], split: &[StepRecord]) {
    assert_eq!(one.len(), split.len());
    for (a, b) in one.iter().zip(split) {
        assert_eq!(
            (a.step, a.epoch, a.accuracy, a.lr),
            (b.step, b.epoch, b.accuracy, b.lr)
        );
        assert!(
            (a.loss - b.loss).abs() <= 1e-5 * a.loss.abs().max(1.0),
            "step {}: loss {} one worker, {} split",
            a.step,
            a.loss,
            b.loss
        );
    }
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn split_steps_equal_trainer_steps() {
    let data = data();
    let spec = conv_dropout();
    let config = TrainerConfig {
        batch: BATCH,
        seed: 5,
        augment: Augment {
            shift: 2.0,
            rotate: 12.0,
        },
        validation: 0.1,
        ..TrainerConfig::default()
    };
    let mut one = trainer(&spec, 3, &config, &data);
    let mut main = trainer(&spec, 3, &config, &data);
    // Other starting weights: the helper must compute with the weights it is sent.
    let mut helper = trainer(&spec, 99, &config, &data);
    let mut kept = trainer(&spec, 3, &config, &data);
    let mut kept_helper = trainer(&spec, 77, &config, &data);
    assert_eq!(one.steps_per_epoch(), 9);

    for step in 0..12 {
        if step == 4 {
            let faster = OptimizerConfig {
                lr: 3e-3,
                ..config.optimizer
            };
            one.set_optimizer(faster).unwrap();
            main.set_optimizer(faster).unwrap();
            kept.set_optimizer(faster).unwrap();
        }
        one.step().unwrap();
        kept_split_step(&mut kept, &mut kept_helper, 7);
        let plan = split_step(&mut main, &mut helper, 5);
        assert_eq!(plan.indices.len(), BATCH);
        assert_eq!(
            plan.transforms.len(),
            BATCH,
            "augmentation travels with the plan"
        );
    }
    let (a, b) = (
        block_on(one.poll()).unwrap(),
        block_on(main.poll()).unwrap(),
    );
    assert_same_records(&a, &b);
    assert_same_records(&a, &block_on(kept.poll()).unwrap());
    assert_eq!(
        b.last().unwrap().epoch,
        1,
        "12 steps of 9 per epoch end in epoch 1"
    );
    assert_eq!(b[4].lr, 3e-3);
    let diff = max_diff(
        &block_on(one.params_flat()).unwrap(),
        &block_on(main.params_flat()).unwrap(),
    );
    // Adam moves each weight by ~lr a step: a wrong mask, transform or part weighting shows up
    // at that size, float rounding far below it.
    assert!(diff < 5e-5, "weights differ by {diff} after 12 steps");
    let diff = max_diff(
        &block_on(one.params_flat()).unwrap(),
        &block_on(kept.params_flat()).unwrap(),
    );
    assert!(
        diff < 5e-5,
        "kept-part weights differ by {diff} after 12 steps"
    );
}

#[test]
fn a_plan_is_the_batch_step_would_take() {
    let data = data();
    let spec = ModelSpec::mlp();
    let config = TrainerConfig {
        batch: BATCH,
        augment: Augment {
            shift: 1.0,
            rotate: 0.0,
        },
        ..TrainerConfig::default()
    };
    let (mut a, mut b) = (
        trainer(&spec, 1, &config, &data),
        trainer(&spec, 1, &config, &data),
    );
    // Planning and stepping draw from the same streams in the same order.
    let p0 = a.plan_step();
    b.step().unwrap();
    assert_eq!(a.plan_step(), b.plan_step());
    assert_ne!(p0, a.plan_step());
    let (_, m) = a.part_gradients(&p0, 0..BATCH).unwrap();
    assert_eq!(m.samples as usize, BATCH);
}

#[test]
fn a_diverging_split_run_rolls_back_like_a_one_worker_run() {
    let data = data();
    // Linear model + MSE + SGD at lr 10: the loss grows ~100x per step and overflows.
    let spec = ModelSpec {
        input: vec![784],
        layers: vec![LayerSpec::Dense { units: 10 }],
        loss: Loss::Mse,
    };
    let config = TrainerConfig {
        batch: BATCH,
        optimizer: OptimizerConfig {
            kind: OptimizerKind::Sgd,
            lr: 10.0,
            ..OptimizerConfig::default()
        },
        ..TrainerConfig::default()
    };
    let mut one = trainer(&spec, 2, &config, &data);
    let mut main = trainer(&spec, 2, &config, &data);
    let mut helper = trainer(&spec, 2, &config, &data);
    let mut outcomes = Vec::new();
    for _ in 0..40 {
        one.step().unwrap();
        split_step(&mut main, &mut helper, 6);
        let (a, b) = (block_on(one.poll()), block_on(main.poll()));
        match (a, b) {
            (Ok(a), Ok(b)) => assert_same_records(&a, &b),
            (Err(Error::NonFinite(a)), Err(Error::NonFinite(b))) => {
                assert_eq!(a, b);
                outcomes.push(a);
                break;
            }
            (a, b) => panic!("one worker {a:?}, split {b:?}"),
        }
    }
    assert_eq!(outcomes.len(), 1, "the run diverged within 40 steps");
    let rolled_back = block_on(main.params_flat()).unwrap();
    assert!(rolled_back.iter().all(|v| v.is_finite()));
    // The same snapshot: equal up to the rounding of two summed parts, scaled by lr 10.
    let diff = max_diff(&rolled_back, &block_on(one.params_flat()).unwrap());
    assert!(
        diff < 1e-4,
        "rolled back to other weights (max difference {diff})"
    );
    // With a sane rate both go on from the snapshot, step numbering continuing.
    let calm = OptimizerConfig {
        lr: 1e-3,
        ..config.optimizer
    };
    one.set_optimizer(calm).unwrap();
    main.set_optimizer(calm).unwrap();
    for _ in 0..3 {
        one.step().unwrap();
        split_step(&mut main, &mut helper, 6);
    }
    let (a, b) = (
        block_on(one.poll()).unwrap(),
        block_on(main.poll()).unwrap(),
    );
    assert_same_records(&a, &b);
    assert!(b.iter().all(|r| r.loss.is_finite()));
    assert_same_records(&one.history(), &main.history());
}

#[test]
fn bad_parts_and_plans_are_errors() {
    let data = data();
    let spec = ModelSpec::mlp();
    let config = TrainerConfig {
        batch: BATCH,
        ..TrainerConfig::default()
    };
    let mut t = trainer(&spec, 1, &config, &data);
    let plan = t.plan_step();
    assert!(t.part_gradients(&plan, 4..4).is_err());
    assert!(t.part_gradients(&plan, 6..13).is_err());
    let short = StepPlan {
        transforms: vec![[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]; 3],
        ..plan.clone()
    };
    assert!(
        t.part_gradients(&short, 0..BATCH).is_err(),
        "3 transforms for 12 samples"
    );
    let outside = StepPlan {
        indices: vec![5000; BATCH],
        ..plan.clone()
    };
    assert!(
        t.part_gradients(&outside, 0..6).is_err(),
        "index outside the training set"
    );
    let (grads, m) = t.part_gradients(&plan, 0..6).unwrap();
    assert!(t.finish_step(&grads, m).is_err(), "half a batch's metrics");
    assert!(t
        .finish_step(&grads[1..], PartMetrics { samples: 12, ..m })
        .is_err());
    assert!(t.set_params_flat(&grads[1..]).is_err());
    // Adding to a kept part needs one kept, and the whole batch's metrics.
    let err = t.finish_step_adding(&grads, m).unwrap_err().to_string();
    assert!(err.contains("no part's gradients are kept"), "{err}");
    assert_eq!(t.keep_part_gradients(&plan, 0..3).unwrap().samples, 3);
    assert!(
        t.finish_step_adding(&grads, m).is_err(),
        "3 + 6 samples of 12"
    );
    assert!(t.finish_step_adding(&grads[1..], m).is_err());
    // Any other part computed meanwhile overwrites the kept one.
    t.part_gradients(&plan, 0..6).unwrap();
    assert!(t.finish_step_adding(&grads, m).is_err());
    assert_eq!(t.steps_enqueued(), 0, "a failed finish records no step");
}
