//! `garden scaling` and `garden compress`: the two labs from the command line, JSON lines out.
use crate::cli::{AxisArg, CompressArgs, FamilyArg, ScalingArgs};
use crate::{json, load, read, write};
use gradient_garden::labs::compress::{evaluate_setting, Setting};
use gradient_garden::labs::int8::QuantizedModel;
use gradient_garden::labs::prune::prune_model;
use gradient_garden::labs::scaling::{fit_points, Axis, Family, ScalingSweep, SweepConfig};
use gradient_garden::weights;
use pollster::block_on;
use serde_json::json;
use std::time::Instant;

pub fn scaling(args: &ScalingArgs) -> Result<(), String> {
    let defaults = SweepConfig::default();
    let axis = match args.axis {
        AxisArg::Width => Axis::Width,
        AxisArg::Data => Axis::Data,
    };
    let family = match args.family {
        FamilyArg::Mlp => Family::Mlp,
        FamilyArg::Cnn => Family::Cnn,
    };
    let mut optimizer = defaults.optimizer;
    optimizer.lr = args.lr.unwrap_or(optimizer.lr);
    let config = SweepConfig {
        axis,
        family,
        backend: args.backend,
        steps: args.steps.unwrap_or(defaults.steps),
        batch: args.batch.unwrap_or(defaults.batch),
        optimizer,
        seed: args.seed.unwrap_or(defaults.seed),
        widths: args.widths.clone().unwrap_or(defaults.widths),
        fractions: args.fractions.clone().unwrap_or(defaults.fractions),
        width: args.width.unwrap_or(defaults.width),
        eval_limit: args.val_limit.unwrap_or(defaults.eval_limit),
        ..defaults
    };
    let mut sweep = ScalingSweep::new(config.clone(), &load(&args.data, "train10k")?)
        .map_err(|e| e.to_string())?;
    json(json!({"event": "start", "config": config, "points": sweep.len()}));
    let mut points = Vec::new();
    loop {
        let started = Instant::now();
        let Some(point) = block_on(sweep.next_point()).map_err(|e| e.to_string())? else {
            break;
        };
        let mut line = serde_json::to_value(&point).expect("plain data");
        line["event"] = "point".into();
        line["wall_s"] = started.elapsed().as_secs_f64().into();
        json(line);
        points.push(point);
    }
    match fit_points(&points) {
        Ok(fit) => json(
            json!({"event": "fit", "against": match axis { Axis::Width => "parameters", Axis::Data => "train_samples" }, "fit": fit}),
        ),
        Err(e) => json(json!({"event": "fit", "error": e.to_string()})),
    }
    Ok(())
}

pub fn compress(args: &CompressArgs) -> Result<(), String> {
    let path = args.weights.display().to_string();
    let bytes = read(&args.weights)?;
    let (spec, params) = weights::from_safetensors(&bytes).map_err(|e| e.to_string())?;
    let scope = args.scope;
    let limit = args.limit.unwrap_or(usize::MAX);
    let test = load(&args.data, "t10k")?;
    json(
        json!({"event": "start", "weights": path, "file_bytes": bytes.len(), "model": spec,
        "parameters": spec.parameter_count().map_err(|e| e.to_string())?, "scope": scope}),
    );
    for setting in Setting::standard_list(&args.sparsities) {
        let started = Instant::now();
        let row = evaluate_setting(&spec, &params, setting, scope, &test, limit)
            .map_err(|e| e.to_string())?;
        let mut line = serde_json::to_value(&row).expect("plain data");
        line["event"] = "result".into();
        line["wall_s"] = started.elapsed().as_secs_f64().into();
        json(line);
    }
    if let Some(out) = &args.export_int8 {
        let q = QuantizedModel::quantize(&spec, &params).map_err(|e| e.to_string())?;
        let file = q.to_safetensors().map_err(|e| e.to_string())?;
        write(out, &file)?;
        json(
            json!({"event": "export", "kind": "int8", "path": out.display().to_string(), "file_bytes": file.len(), "bytes": q.bytes()}),
        );
    }
    if let Some(out) = &args.export_pruned {
        let sparsity = args.sparsity.ok_or("--export-pruned needs --sparsity S")?;
        let pruned = prune_model(&spec, &params, sparsity, scope).map_err(|e| e.to_string())?;
        let file = weights::to_safetensors(&spec, &pruned).map_err(|e| e.to_string())?;
        write(out, &file)?;
        json(
            json!({"event": "export", "kind": "pruned", "sparsity": sparsity, "path": out.display().to_string(), "file_bytes": file.len()}),
        );
    }
    Ok(())
}
