//! `garden train`, `garden eval` and `garden export` (ONNX), and reading a weights file for them.
use crate::cli::{EvalArgs, ExportArgs, TrainArgs};
use crate::{json, load, read, write};
use gradient_garden::backend::Backend;
use gradient_garden::engine::build_engine;
use gradient_garden::init::init_params;
use gradient_garden::optim::OptimizerConfig;
use gradient_garden::spec::ModelSpec;
use gradient_garden::tensor::Param;
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

/// The spec and weights of a file. With `--model`, any file holding that net's state_dict loads
/// (e.g. saved by PyTorch); without it, the spec comes from the file's own metadata or, for a bare
/// state dict, is inferred from its tensors, and a `weights` line states the assumptions.
pub fn weights_for(bytes: &[u8], model: Option<&str>) -> Result<(ModelSpec, Vec<Param>), String> {
    if let Some(name) = model {
        let spec = model_spec(name)?;
        let params = weights::params_from_safetensors(bytes, &spec).map_err(|e| e.to_string())?;
        return Ok((spec, params));
    }
    let found = weights::resolve(bytes, None).map_err(|e| e.to_string())?;
    if let weights::Source::Inferred(assumptions) = &found.source {
        json(
            json!({"event": "weights", "inferred": true, "spec": found.spec, "assumptions": assumptions}),
        );
    }
    Ok((found.spec, found.params))
}

fn model_spec(name: &str) -> Result<ModelSpec, String> {
    if name.ends_with(".json") {
        let text = std::fs::read_to_string(name).map_err(|e| format!("{name}: {e}"))?;
        ModelSpec::from_json(&text).map_err(|e| e.to_string())
    } else {
        ModelSpec::preset(name).map_err(|e| e.to_string())
    }
}

pub fn train(args: &TrainArgs) -> Result<(), String> {
    let seed = args.seed;
    let (spec, params) = match &args.init {
        Some(path) => {
            let bytes = read(path)?;
            weights_for(&bytes, args.model.as_deref())?
        }
        None => {
            let spec = model_spec(args.model.as_deref().unwrap_or("mlp"))?;
            let params = init_params(&spec, seed).map_err(|e| e.to_string())?;
            (spec, params)
        }
    };
    let optimizer = OptimizerConfig {
        kind: args.optimizer,
        lr: args.lr,
        momentum: args.momentum,
        weight_decay: args.weight_decay,
        ..OptimizerConfig::default()
    };
    let config = TrainerConfig {
        batch: args.batch,
        optimizer,
        seed,
        shuffle: !args.no_shuffle,
        augment: Augment {
            shift: args.shift,
            rotate: args.rotate,
        },
        validation: 0.0,
    };
    let choice = args.backend;
    let log_every = args.log_every.max(1);
    let test_limit = args.test_limit.unwrap_or(usize::MAX);
    let train_set = load(&args.data, args.data.train_prefix())?;
    let test_set = load(&args.data, "t10k")?;

    let (engine, _) =
        block_on(build_engine(choice, &spec, &params, config.batch)).map_err(|e| e.to_string())?;
    let info = engine.info();
    let is_gpu = matches!(engine, gradient_garden::engine::Engine::Gpu(_));
    let mut trainer =
        Trainer::new(engine, spec.clone(), config, &train_set).map_err(|e| e.to_string())?;
    if is_gpu {
        // A GPU engine cannot read its weights back synchronously: the starting ones are the
        // first rollback point (a CPU engine has them already).
        trainer.set_rollback_point(params.clone());
    }
    if let Some(text) = &args.schedule {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("--schedule is not JSON: {e}"))?;
        let schedule =
            gradient_garden::schedule::Schedule::from_json(&value).map_err(|e| e.to_string())?;
        trainer.set_schedule(schedule).map_err(|e| e.to_string())?;
    }
    let per_epoch = trainer.steps_per_epoch() as u64;
    let total = args.steps.unwrap_or(args.epochs * per_epoch);
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
    if let Some(path) = &args.export {
        let params = block_on(trainer.engine().read_params()).map_err(|e| e.to_string())?;
        let bytes = weights::to_safetensors(&spec, &params).map_err(|e| e.to_string())?;
        write(path, &bytes)?;
    }
    let batch = trainer.config().batch as f64;
    json(
        json!({"event": "done", "steps": total, "epochs": total as f64 / per_epoch as f64,
        "test_accuracy": eval.accuracy, "test_loss": eval.loss, "test_n": eval.n,
        "wall_s": train_s, "samples_per_s": total as f64 * batch / train_s}),
    );
    Ok(())
}

pub fn eval(args: &EvalArgs) -> Result<(), String> {
    let bytes = read(&args.weights)?;
    let (spec, params) = weights_for(&bytes, args.model.as_deref())?;
    let choice = args.backend;
    let test_set = load(&args.data, "t10k")?;
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
    let eval = block_on(trainer.evaluate(&test_set, args.limit.unwrap_or(usize::MAX)))
        .map_err(|e| e.to_string())?;
    json(
        json!({"event": "eval", "test_accuracy": eval.accuracy, "test_loss": eval.loss, "test_n": eval.n,
        "confusion": eval.confusion}),
    );
    Ok(())
}

/// `garden export --weights FILE.safetensors --onnx OUT.onnx`.
pub fn export(args: &ExportArgs) -> Result<(), String> {
    let bytes = read(&args.weights)?;
    let (spec, params) = weights_for(&bytes, args.model.as_deref())?;
    let onnx = gradient_garden::onnx::to_onnx(&spec, &params).map_err(|e| e.to_string())?;
    write(&args.onnx, &onnx)?;
    json(
        json!({"event": "export", "onnx": args.onnx, "bytes": onnx.len(),
        "opset": gradient_garden::onnx::OPSET, "input": input_dims(&spec), "output": ["N", 10]}),
    );
    Ok(())
}

/// The ONNX input's shape as the file declares it: `["N", 1, 28, 28]` or `["N", 784]`.
fn input_dims(spec: &ModelSpec) -> serde_json::Value {
    let mut dims = vec![json!("N")];
    dims.extend(spec.input.iter().map(|d| json!(d)));
    json!(dims)
}
