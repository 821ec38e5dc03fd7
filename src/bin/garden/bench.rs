//! `garden bench`: training samples/s and one-image latency per backend and model, beside the
//! GFLOP/s of the backend's best large matmul (the roofline a training step is judged against).
use crate::cli::BenchArgs;
use crate::{json, load};
use gradient_garden::backend::Backend;
use gradient_garden::data::mnist::Mnist;
use gradient_garden::engine::{build_engine, BackendChoice};
use gradient_garden::init::init_params;
use gradient_garden::spec::ModelSpec;
use gradient_garden::trainer::{Trainer, TrainerConfig};
use pollster::block_on;
use serde_json::json;
use std::time::Instant;

pub fn bench(args: &BenchArgs) -> Result<(), String> {
    let matmul = args.matmul;
    let train_set = load(&args.data, "train10k")?;
    for &choice in &args.backends {
        let gflops = match choice {
            BackendChoice::Cpu => cpu_matmul_gflops(matmul),
            _ => block_on(gradient_garden::gpu::bench_matmul(
                matmul, matmul, matmul, 5,
            ))
            .map_err(|e| e.to_string())?,
        };
        json(json!({"event": "matmul", "backend": choice, "size": matmul, "gflops": gflops}));
        for model in &args.models {
            let line = bench_model(choice, model, args.steps, &train_set)?;
            json(line);
        }
    }
    Ok(())
}

fn bench_model(
    choice: BackendChoice,
    model: &str,
    steps: Option<u64>,
    data: &Mnist,
) -> Result<serde_json::Value, String> {
    let err = |e: gradient_garden::Error| e.to_string();
    let spec = ModelSpec::preset(model).map_err(err)?;
    // The batch sizes of the peer bench (TF.js, jax-js): MLP 128, CNN 64, Adam 1e-3.
    let batch = if model == "cnn" { 64 } else { 128 };
    let params = init_params(&spec, 1).map_err(err)?;
    let (engine, _) = block_on(build_engine(choice, &spec, &params, batch)).map_err(err)?;
    let adapter = engine.info().adapter;
    let config = TrainerConfig {
        batch,
        ..TrainerConfig::default()
    };
    let mut trainer = Trainer::new(engine, spec, config, data).map_err(err)?;
    for _ in 0..3 {
        trainer.step().map_err(err)?;
    }
    block_on(trainer.poll()).map_err(err)?;
    let steps = steps.unwrap_or(if model == "cnn" { 10 } else { 50 });
    let started = Instant::now();
    for _ in 0..steps {
        trainer.step().map_err(err)?;
    }
    // Reading the metrics back waits for the last step to finish.
    block_on(trainer.poll()).map_err(err)?;
    let seconds = started.elapsed().as_secs_f64();

    let image = data.pixels_f32(0, 1);
    let mut latencies: Vec<f64> = (0..30)
        .map(|_| {
            let t = Instant::now();
            block_on(trainer.predict(&image)).map(|_| t.elapsed().as_secs_f64() * 1e3)
        })
        .collect::<Result<_, _>>()
        .map_err(err)?;
    latencies.sort_by(f64::total_cmp);
    Ok(
        json!({"event": "train", "backend": choice, "adapter": adapter, "model": model, "batch": batch,
        "steps": steps, "samples_per_s": (steps as f64 * batch as f64) / seconds,
        "predict_one_ms_median": latencies[latencies.len() / 2]}),
    )
}

/// ndarray's matmul (matrixmultiply's blocked kernels) on one square product, best of three.
fn cpu_matmul_gflops(n: usize) -> f64 {
    let a =
        ndarray::Array2::<f32>::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.1);
    let b = a.t().to_owned();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let c = a.dot(&b);
        std::hint::black_box(&c);
        best = best.min(t.elapsed().as_secs_f64());
    }
    2.0 * (n * n * n) as f64 / best / 1e9
}
