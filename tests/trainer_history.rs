//! The run through time, natively on the CPU backend: each learning-rate schedule's rates
//! against its formula (and the trainer applying them step by step), the kept snapshots holding
//! exactly the weights the run had at their steps, and a run resumed from a snapshot taking the
//! very steps the original run took (weights bit for bit), with Adam, dropout and augmentation.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::backend::Backend;
use gradient_garden::cpu::CpuBackend;
use gradient_garden::data::mnist::Mnist;
use gradient_garden::engine::Engine;
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::schedule::Schedule;
use gradient_garden::spec::{LayerSpec, Loss, ModelSpec};
use gradient_garden::tensor::{flatten, Param};
use gradient_garden::trainer::{Augment, StepRecord, Trainer, TrainerConfig};
use pollster::block_on;
use serde_json::json;
use std::collections::HashMap;
use std::f64::consts::PI;

fn data() -> Mnist {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    Mnist::load_dir(&dir, "train10k").unwrap().take(200)
}

fn small_spec() -> ModelSpec {
    use LayerSpec::*;
    ModelSpec {
        input: vec![1, 28, 28],
        layers: vec![
            Flatten,
            Dense { units: 24 },
            Relu,
            Dropout { rate: 0.3 },
            Dense { units: 10 },
        ],
        loss: Loss::SoftmaxCrossEntropy,
    }
}

fn trainer(kind: OptimizerKind, data: &Mnist) -> Trainer {
    let spec = small_spec();
    let config = TrainerConfig {
        batch: 10,
        seed: 7,
        optimizer: OptimizerConfig {
            kind,
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
    let engine = Engine::Cpu(Box::new(CpuBackend::new(&spec, &params, 10).unwrap()));
    let mut t = Trainer::new(engine, spec, config, data).unwrap();
    block_on(t.snapshot_start()).unwrap();
    t
}

fn weights(t: &mut Trainer) -> Vec<f32> {
    flatten(&block_on(t.engine().read_params()).unwrap())
}

/// `n` steps, a metrics read after each; the weights after every step, by step count.
fn run(t: &mut Trainer, n: usize, seen: &mut HashMap<u64, Vec<f32>>) -> Vec<StepRecord> {
    let mut records = Vec::new();
    for _ in 0..n {
        t.step().unwrap();
        records.extend(block_on(t.poll()).unwrap());
        seen.insert(t.steps_enqueued(), weights(t));
    }
    records
}

fn schedule(v: serde_json::Value) -> Schedule {
    Schedule::from_json(&v).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn each_schedule_follows_its_formula() {
    let cos = |floor: f64, u: f64| floor + (1.0 - floor) * 0.5 * (1.0 + (PI * u).cos());
    let c = schedule(json!({"kind": "constant"}));
    assert!((0..1000).all(|t| c.factor(t) == 1.0 && c.rate(0.03, t) == 0.03));

    let s = schedule(json!({"kind": "step", "every": 100, "gamma": 0.1}));
    let g = 0.1;
    for (t, want) in [
        (0, 1.0),
        (99, 1.0),
        (100, g),
        (250, g * g),
        (300, g * g * g),
    ] {
        assert!(close(s.factor(t), want), "step at {t}: {}", s.factor(t));
    }

    let s = schedule(json!({"kind": "cosine", "steps": 1000, "floor": 0.1}));
    let floor = 0.1;
    for t in [0u64, 1, 250, 500, 999, 1000, 5000] {
        let want = cos(floor, (t.min(1000)) as f64 / 1000.0);
        assert!(close(s.factor(t), want), "cosine at {t}");
    }
    assert!(close(s.factor(500), (1.0 + floor) / 2.0) && close(s.factor(1000), floor));

    let s = schedule(json!({"kind": "warmup_cosine", "warmup": 50, "steps": 550}));
    for t in [0u64, 24, 49] {
        assert!(close(s.factor(t), (t + 1) as f64 / 50.0), "warm-up at {t}");
    }
    for t in [50u64, 300, 549, 550, 900] {
        let want = cos(0.0, ((t - 50).min(500)) as f64 / 500.0);
        assert!(close(s.factor(t), want), "warm-up cosine at {t}");
    }

    // PyTorch's OneCycleLR(max_lr=1, total_steps=1000), defaults pct_start 0.3, div 25, final 1e4.
    let s = schedule(json!({"kind": "onecycle", "steps": 1000}));
    let (initial, last, up) = (1.0 / 25.0, 1.0 / 25.0 / 1e4, 299.0);
    let anneal = |a: f64, b: f64, p: f64| b + (a - b) * 0.5 * (1.0 + (PI * p).cos());
    assert!(close(s.factor(0), initial));
    assert!(close(s.factor(299), 1.0));
    assert!(close(s.factor(150), anneal(initial, 1.0, 150.0 / up)));
    assert!(close(
        s.factor(600),
        anneal(1.0, last, (600.0 - up) / (999.0 - up))
    ));
    assert!(close(s.factor(999), last) && close(s.factor(2000), last));
}

#[test]
fn the_trainer_trains_each_step_at_the_scheduled_rate_and_a_live_rate_rescales_it() {
    let data = data();
    let mut t = trainer(OptimizerKind::Sgd, &data);
    let s = schedule(json!({"kind": "warmup_cosine", "warmup": 4, "steps": 20, "floor": 0.0}));
    t.set_schedule(s).unwrap();
    let records = run(&mut t, 10, &mut HashMap::new());
    for r in &records {
        assert_eq!(r.lr, s.rate(0.01, r.step), "step {}", r.step);
    }
    // The live rate is the new base; the schedule goes on from the same step.
    let from = t
        .set_optimizer(OptimizerConfig {
            lr: 0.1,
            ..t.config().optimizer
        })
        .unwrap();
    assert_eq!(from, 10);
    let records = run(&mut t, 5, &mut HashMap::new());
    assert_eq!(records[0].step, 10);
    for r in &records {
        assert_eq!(r.lr, s.rate(0.1, r.step), "step {}", r.step);
    }
    // The rates really reach the update: SGD's step is lr * gradient, so a schedule at 0 moves
    // nothing (cosine's factor is 0 from `steps` on; the trainer uses the smallest positive
    // f32 for a scheduled 0, which no weight of this size notices).
    let zero = schedule(json!({"kind": "cosine", "steps": 1}));
    t.set_schedule(zero).unwrap();
    let before = weights(&mut t);
    let records = run(&mut t, 2, &mut HashMap::new());
    assert!(records.iter().all(|r| r.lr == f32::MIN_POSITIVE));
    let moved = weights(&mut t)
        .iter()
        .zip(&before)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(moved < 1e-30, "moved {moved}");
}

#[test]
fn a_snapshot_holds_exactly_the_weights_of_its_step() {
    let data = data();
    let mut t = trainer(OptimizerKind::Adam, &data);
    let mut seen = HashMap::new();
    seen.insert(0, weights(&mut t));
    run(&mut t, 40, &mut seen);
    let kept = t.snapshots().list();
    assert!(kept.len() >= 10, "{kept:?}");
    assert_eq!(kept[0].step, 0);
    assert!(t.snapshots().bytes() > 0 && t.snapshots().bytes() <= t.snapshots().cap());
    for info in kept {
        let (got, params) = t.snapshot_params(info.step).unwrap();
        assert_eq!(got, info);
        assert_eq!(
            flatten(params),
            seen[&info.step],
            "snapshot at step {}",
            info.step
        );
    }
}

#[test]
fn resuming_from_a_snapshot_retakes_the_original_steps() {
    let data = data();
    for kind in [OptimizerKind::Adam, OptimizerKind::Momentum] {
        let mut t = trainer(kind, &data);
        t.set_schedule(schedule(json!({"kind": "step", "every": 7, "gamma": 0.7})))
            .unwrap();
        let mut seen = HashMap::new();
        // 30 steps cross an epoch (180 training images / 10 = 18 steps).
        let original = run(&mut t, 30, &mut seen);
        let at = t
            .snapshots()
            .list()
            .into_iter()
            .map(|s| s.step)
            .find(|&s| (10..18).contains(&s))
            .expect("a snapshot between steps 10 and 18");
        let info = block_on(t.resume_from(at)).unwrap();
        assert_eq!(info.step, at);
        assert_eq!(t.steps_enqueued(), at);
        assert!(
            t.history().iter().all(|r| r.step < at),
            "history cut at {at}"
        );
        assert!(t.snapshots().list().iter().all(|s| s.step <= at));
        assert_eq!(weights(&mut t), seen[&at]);
        let mut again = HashMap::new();
        let replay = run(&mut t, 30 - at as usize, &mut again);
        assert_eq!(
            replay,
            original[at as usize..].to_vec(),
            "{kind:?}: the resumed steps' records"
        );
        for step in at + 1..=30 {
            assert_eq!(
                again[&step], seen[&step],
                "{kind:?}: weights after step {step}"
            );
        }
    }
}

#[test]
fn resuming_without_snapshots_is_refused_and_changes_nothing() {
    let data = data();
    let mut t = trainer(OptimizerKind::Adam, &data);
    t.set_snapshot_cap(0);
    run(&mut t, 3, &mut HashMap::new());
    let before = weights(&mut t);
    let err = block_on(t.resume_from(1)).unwrap_err().to_string();
    assert!(err.contains("no snapshots"), "{err}");
    assert_eq!(weights(&mut t), before);
    assert_eq!(t.steps_enqueued(), 3);
    let _unused: Option<Param> = None;
}

#[test]
fn early_stopping_keeps_and_restores_the_best_weights() {
    let data = data();
    let mut t = trainer(OptimizerKind::Adam, &data);
    assert!(t.restore_best().is_err(), "nothing kept yet");
    run(&mut t, 5, &mut HashMap::new());
    let best = weights(&mut t);
    assert_eq!(block_on(t.keep_best()).unwrap(), 5);
    run(&mut t, 5, &mut HashMap::new());
    assert_ne!(weights(&mut t), best);
    assert_eq!(t.restore_best().unwrap(), 5);
    assert_eq!(weights(&mut t), best);
}

#[test]
fn on_the_cpu_snapshots_are_taken_between_metric_reads() {
    let data = data();
    let mut reference = trainer(OptimizerKind::Adam, &data);
    let mut seen = HashMap::new();
    let original = run(&mut reference, 30, &mut seen);
    // The same run, its metrics read only every 10 steps (the page's cycles).
    let mut t = trainer(OptimizerKind::Adam, &data);
    let mut records = Vec::new();
    for _ in 0..3 {
        for _ in 0..10 {
            t.step().unwrap();
        }
        records.extend(block_on(t.poll()).unwrap());
    }
    assert_eq!(records, original);
    let kept = t.snapshots().list();
    assert_eq!(
        kept.iter().map(|s| s.step).collect::<Vec<_>>(),
        (0..=30).collect::<Vec<_>>(),
        "every early step"
    );
    for info in &kept[1..] {
        assert_eq!(info.loss, Some(original[info.step as usize - 1].loss));
        assert_eq!(
            flatten(t.snapshot_params(info.step).unwrap().1),
            seen[&info.step]
        );
    }
    block_on(t.resume_from(15)).unwrap();
    let replay = run(&mut t, 15, &mut HashMap::new());
    assert_eq!(replay, original[15..].to_vec());
}
