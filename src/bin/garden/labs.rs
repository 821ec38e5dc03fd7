//! `garden scaling` and `garden compress`: the two labs from the command line, JSON lines out.
//!
//!     garden scaling --axis width|data --backend cpu|gpu|auto --steps N [--family mlp|cnn]
//!                    [--widths 8,16,...] [--fractions 0.1,0.2,...] [--width W] [--batch B]
//!                    [--lr X] [--seed S] [--val-limit N]
//!     garden compress --weights FILE [--sparsities 0.5,0.9] [--scope global|per_tensor]
//!                     [--limit N] [--export-int8 FILE] [--export-pruned FILE --sparsity S]
use crate::args::Args;
use crate::{json, load};
use gradient_garden::engine::BackendChoice;
use gradient_garden::labs::compress::{evaluate_setting, Setting};
use gradient_garden::labs::int8::QuantizedModel;
use gradient_garden::labs::prune::{prune_magnitude, PruneScope};
use gradient_garden::labs::scaling::{fit_points, Axis, Family, ScalingSweep, SweepConfig};
use gradient_garden::weights;
use pollster::block_on;
use serde_json::json;
use std::time::Instant;

fn list<T: std::str::FromStr>(args: &Args, name: &str) -> Result<Option<Vec<T>>, String> {
    args.str(name)
        .map(|s| {
            s.split(',')
                .map(|v| {
                    v.trim()
                        .parse()
                        .map_err(|_| format!("--{name}: cannot read '{v}'"))
                })
                .collect()
        })
        .transpose()
}

pub fn scaling(args: &Args) -> Result<(), String> {
    args.only(&[
        "axis",
        "backend",
        "steps",
        "family",
        "widths",
        "fractions",
        "width",
        "batch",
        "lr",
        "seed",
        "val-limit",
        "data",
    ])?;
    let defaults = SweepConfig::default();
    let axis = match args.str("axis").unwrap_or("width") {
        "width" => Axis::Width,
        "data" => Axis::Data,
        other => return Err(format!("--axis: '{other}' is not width or data")),
    };
    let family = match args.str("family").unwrap_or("mlp") {
        "mlp" => Family::Mlp,
        "cnn" => Family::Cnn,
        other => return Err(format!("--family: '{other}' is not mlp or cnn")),
    };
    let mut optimizer = defaults.optimizer;
    optimizer.lr = args.get("lr", optimizer.lr)?;
    let config = SweepConfig {
        axis,
        family,
        backend: BackendChoice::parse(args.str("backend").unwrap_or("cpu"))
            .map_err(|e| e.to_string())?,
        steps: args.get("steps", defaults.steps)?,
        batch: args.get("batch", defaults.batch)?,
        optimizer,
        seed: args.get("seed", defaults.seed)?,
        widths: list(args, "widths")?.unwrap_or(defaults.widths),
        fractions: list(args, "fractions")?.unwrap_or(defaults.fractions),
        width: args.get("width", defaults.width)?,
        eval_limit: args.get("val-limit", defaults.eval_limit)?,
        ..defaults
    };
    let mut sweep =
        ScalingSweep::new(config.clone(), &load(args, "train10k")?).map_err(|e| e.to_string())?;
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

pub fn compress(args: &Args) -> Result<(), String> {
    args.only(&[
        "weights",
        "sparsities",
        "scope",
        "limit",
        "export-int8",
        "export-pruned",
        "sparsity",
        "data",
    ])?;
    let path = args
        .str("weights")
        .ok_or("--weights FILE.safetensors is required")?;
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let (spec, params) = weights::from_safetensors(&bytes).map_err(|e| e.to_string())?;
    let scope =
        PruneScope::parse(args.str("scope").unwrap_or("global")).map_err(|e| e.to_string())?;
    let sparsities = list(args, "sparsities")?.unwrap_or(vec![0.5, 0.75, 0.9, 0.95]);
    let limit: usize = args.get("limit", usize::MAX)?;
    let test = load(args, "t10k")?;
    json(
        json!({"event": "start", "weights": path, "file_bytes": bytes.len(), "model": spec,
        "parameters": spec.parameter_count().map_err(|e| e.to_string())?, "scope": scope}),
    );
    for setting in Setting::standard_list(&sparsities) {
        let started = Instant::now();
        let row = evaluate_setting(&spec, &params, setting, scope, &test, limit)
            .map_err(|e| e.to_string())?;
        let mut line = serde_json::to_value(&row).expect("plain data");
        line["event"] = "result".into();
        line["wall_s"] = started.elapsed().as_secs_f64().into();
        json(line);
    }
    if let Some(out) = args.str("export-int8") {
        let q = QuantizedModel::quantize(&spec, &params).map_err(|e| e.to_string())?;
        let file = q.to_safetensors().map_err(|e| e.to_string())?;
        std::fs::write(out, &file).map_err(|e| format!("{out}: {e}"))?;
        json(
            json!({"event": "export", "kind": "int8", "path": out, "file_bytes": file.len(), "bytes": q.bytes()}),
        );
    }
    if let Some(out) = args.str("export-pruned") {
        let sparsity: f32 = args
            .opt("sparsity")?
            .ok_or("--export-pruned needs --sparsity S")?;
        let pruned = prune_magnitude(&params, sparsity, scope).map_err(|e| e.to_string())?;
        let file = weights::to_safetensors(&spec, &pruned).map_err(|e| e.to_string())?;
        std::fs::write(out, &file).map_err(|e| format!("{out}: {e}"))?;
        json(
            json!({"event": "export", "kind": "pruned", "sparsity": sparsity, "path": out, "file_bytes": file.len()}),
        );
    }
    Ok(())
}
