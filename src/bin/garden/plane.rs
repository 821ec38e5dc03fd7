//! `garden plane`: the plane page's trainer (src/points/) from the command line, with the page's
//! settings as one JSON object, e.g.
//!
//!     garden plane --config '{"dataset": "spiral", "classes": 3, "points": 1000, "ratio": 0.7,
//!         "features": ["x1", "x2", "sin(x1)"], "layers": [8, 8, 8, 8], "optimizer": {"kind": "adam", "lr": 0.01}}' \
//!         --steps 3000 --log-every 500
//!
//! Prints `{"event": "plane", ...}` (the settings in use and the backend that trains), a
//! `{"event": "metrics", ...}` line every `--log-every` steps and at the end. `"backend": "gpu"`
//! in the config trains on the GPU (wgpu), the CPU being the default.
use clap::Args;
use gradient_garden::points::{PlaneConfig, PlaneTrainer};
use serde_json::json;

#[derive(Args)]
pub struct PlaneArgs {
    /// The settings as JSON (src/points/config.rs `PlaneConfig`; missing fields take TensorFlow
    /// Playground's defaults: circle, x1 and x2, 4-2 tanh, SGD 0.03, batch 10)
    #[arg(long, value_name = "JSON", default_value = "{}")]
    pub config: String,
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub steps: usize,
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub log_every: usize,
}

pub fn plane(args: &PlaneArgs) -> Result<(), String> {
    let config: PlaneConfig =
        serde_json::from_str(&args.config).map_err(|e| format!("--config: {e}"))?;
    let mut trainer =
        pollster::block_on(PlaneTrainer::create(config)).map_err(|e| e.to_string())?;
    crate::json(json!({
        "event": "plane",
        "config": serde_json::to_value(trainer.config()).expect("plain data"),
        "backend": trainer.backend(),
        "train_points": trainer.train.len(),
        "test_points": trainer.test.len(),
    }));
    let every = args.log_every.max(1);
    let mut done = 0;
    while done < args.steps {
        let n = every.min(args.steps - done);
        pollster::block_on(trainer.step_async(n)).map_err(|e| e.to_string())?;
        done += n;
        let train = trainer.train_metrics().map_err(|e| e.to_string())?;
        let test = trainer.test_metrics().map_err(|e| e.to_string())?;
        crate::json(json!({
            "event": "metrics",
            "step": done,
            "train_loss": train.loss,
            "test_loss": test.loss,
            "train_accuracy": train.accuracy,
            "test_accuracy": test.accuracy,
        }));
    }
    Ok(())
}
