//! `garden train` and `garden eval`.
use crate::args::Args;
use crate::{json, load};
use gradient_garden::backend::Backend;
use gradient_garden::engine::{build_engine, BackendChoice};
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::ModelSpec;
use gradient_garden::trainer::{Augment, Trainer, TrainerConfig};
use gradient_garden::weights;
use pollster::block_on;
use serde_json::json;
use std::time::Instant;

#[derive(serde::Serialize)]
struct LogLine {
    step: u64,
    loss: f32,
    lr: f32,
}

const TRAIN_OPTIONS: &[&str] = &[
    "model",
    "backend",
    "epochs",
    "steps",
    "batch",
    "lr",
    "optimizer",
    "momentum",
    "weight-decay",
    "seed",
    "init",
    "no-shuffle",
    "log-every",
    "export",
    "data",
    "shift",
    "rotate",
    "test-limit",
];

fn model_spec(name: &str) -> Result<ModelSpec, String> {
    if name.ends_with(".json") {
        let text = std::fs::read_to_string(name).map_err(|e| format!("{name}: {e}"))?;
        ModelSpec::from_json(&text).map_err(|e| e.to_string())
    } else {
        ModelSpec::preset(name).map_err(|e| e.to_string())
    }
}

pub fn train(args: &Args) -> Result<(), String> {
    args.only(TRAIN_OPTIONS)?;
    let seed: u64 = args.get("seed", 1)?;
    let (spec, params) = match args.str("init") {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
            // With --model, any file holding that net's state_dict loads (e.g. saved by PyTorch);
            // without it, the spec comes from the file's own metadata.
            match args.str("model") {
                Some(name) => {
                    let spec = model_spec(name)?;
                    let params = weights::params_from_safetensors(&bytes, &spec)
                        .map_err(|e| e.to_string())?;
                    (spec, params)
                }
                None => weights::from_safetensors(&bytes).map_err(|e| e.to_string())?,
            }
        }
        None => {
            let spec = model_spec(args.str("model").unwrap_or("mlp"))?;
            let params = init_params(&spec, seed).map_err(|e| e.to_string())?;
            (spec, params)
        }
    };
    let optimizer = OptimizerConfig {
        kind: OptimizerKind::parse(args.str("optimizer").unwrap_or("adam"))
            .map_err(|e| e.to_string())?,
        lr: args.get("lr", 1e-3)?,
        momentum: args.get("momentum", 0.9)?,
        weight_decay: args.get("weight-decay", 0.0)?,
        ..OptimizerConfig::default()
    };
    let config = TrainerConfig {
        batch: args.get("batch", 64)?,
        optimizer,
        seed,
        shuffle: !args.flag("no-shuffle"),
        augment: Augment {
            shift: args.get("shift", 0.0)?,
            rotate: args.get("rotate", 0.0)?,
        },
        validation: 0.0,
    };
    let choice =
        BackendChoice::parse(args.str("backend").unwrap_or("cpu")).map_err(|e| e.to_string())?;
    let log_every: u64 = args.get::<u64>("log-every", 50)?.max(1);
    let test_limit: usize = args.get("test-limit", usize::MAX)?;
    let train_set = load(args, "train10k")?;
    let test_set = load(args, "t10k")?;

    let (engine, _) =
        block_on(build_engine(choice, &spec, &params, config.batch)).map_err(|e| e.to_string())?;
    let info = engine.info();
    let mut trainer =
        Trainer::new(engine, spec.clone(), config, &train_set).map_err(|e| e.to_string())?;
    let per_epoch = trainer.steps_per_epoch() as u64;
    let epochs: u64 = args.get("epochs", 1)?;
    let total: u64 = args.opt("steps")?.unwrap_or(epochs * per_epoch);
    json(
        json!({"event": "start", "backend": info.kind, "adapter": info.adapter, "model": spec,
        "parameters": spec.parameter_count().map_err(|e| e.to_string())?, "steps": total, "steps_per_epoch": per_epoch}),
    );

    let started = Instant::now();
    // Time spent evaluating between epochs is not training time.
    let mut eval_time = 0.0;
    for step in 0..total {
        trainer.step().map_err(|e| e.to_string())?;
        let end_of_epoch = (step + 1) % per_epoch == 0;
        // Metrics come back every few steps, not every step: that keeps the GPU queue full.
        if (step + 1) % log_every.min(25) == 0 || step + 1 == total || end_of_epoch {
            for record in block_on(trainer.poll()).map_err(|e| e.to_string())? {
                if record.step % log_every == 0 {
                    // Serialised from f32 so the learning rate prints as given (0.001, not 0.0010000000474974513).
                    println!(
                        "{}",
                        serde_json::to_string(&LogLine {
                            step: record.step,
                            loss: record.loss,
                            lr: record.lr
                        })
                        .expect("plain data")
                    );
                }
            }
        }
        if end_of_epoch && step + 1 != total {
            let eval_started = Instant::now();
            let eval =
                block_on(trainer.evaluate(&test_set, test_limit)).map_err(|e| e.to_string())?;
            eval_time += eval_started.elapsed().as_secs_f64();
            json(
                json!({"event": "epoch", "epoch": (step + 1) / per_epoch, "test_accuracy": eval.accuracy,
                "test_loss": eval.loss, "train_s": started.elapsed().as_secs_f64() - eval_time}),
            );
        }
    }
    let train_s = started.elapsed().as_secs_f64() - eval_time;
    let eval = block_on(trainer.evaluate(&test_set, test_limit)).map_err(|e| e.to_string())?;
    if let Some(path) = args.str("export") {
        let params = block_on(trainer.engine().read_params()).map_err(|e| e.to_string())?;
        let bytes = weights::to_safetensors(&spec, &params).map_err(|e| e.to_string())?;
        std::fs::write(path, bytes).map_err(|e| format!("{path}: {e}"))?;
    }
    let batch = trainer.config().batch as f64;
    json(
        json!({"event": "done", "steps": total, "epochs": total as f64 / per_epoch as f64,
        "test_accuracy": eval.accuracy, "test_loss": eval.loss, "test_n": eval.n,
        "wall_s": train_s, "samples_per_s": total as f64 * batch / train_s}),
    );
    Ok(())
}

pub fn eval(args: &Args) -> Result<(), String> {
    args.only(&["weights", "backend", "limit", "data"])?;
    let path = args
        .str("weights")
        .ok_or("--weights FILE.safetensors is required")?;
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let (spec, params) = weights::from_safetensors(&bytes).map_err(|e| e.to_string())?;
    let choice =
        BackendChoice::parse(args.str("backend").unwrap_or("cpu")).map_err(|e| e.to_string())?;
    let test_set = load(args, "t10k")?;
    let (engine, _) =
        block_on(build_engine(choice, &spec, &params, 1)).map_err(|e| e.to_string())?;
    let mut trainer = Trainer::new(
        engine,
        spec,
        TrainerConfig {
            batch: 1,
            ..TrainerConfig::default()
        },
        &test_set.take(1),
    )
    .map_err(|e| e.to_string())?;
    let eval = block_on(trainer.evaluate(&test_set, args.get("limit", usize::MAX)?))
        .map_err(|e| e.to_string())?;
    json(
        json!({"event": "eval", "test_accuracy": eval.accuracy, "test_loss": eval.loss, "test_n": eval.n,
        "confusion": eval.confusion}),
    );
    Ok(())
}
