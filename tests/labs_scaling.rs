//! The scaling sweep on tiny budgets: points come one at a time, and wider models reach a lower
//! validation loss for the same number of steps.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gradient_garden::data::mnist::Mnist;
use gradient_garden::engine::BackendChoice;
use gradient_garden::labs::scaling::{
    fit_points, width_spec, Axis, Family, ScalingSweep, SweepConfig,
};
use pollster::block_on;

fn train_file() -> Mnist {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    Mnist::load_dir(&dir, "train10k").expect("MNIST in www/data")
}

#[test]
fn width_sweep_loss_falls_with_width() {
    let config = SweepConfig {
        axis: Axis::Width,
        backend: BackendChoice::Cpu,
        steps: 150,
        widths: vec![2, 8, 32, 128],
        eval_limit: 1000,
        ..SweepConfig::default()
    };
    let mut sweep = ScalingSweep::new(config, &train_file()).unwrap();
    assert_eq!(sweep.len(), 4);
    let mut points = Vec::new();
    while let Some(p) = block_on(sweep.next_point()).unwrap() {
        assert_eq!(
            (p.index, p.of, p.backend.as_str()),
            (points.len(), 4, "cpu")
        );
        assert_eq!(p.parameters, 784 * p.width + p.width + p.width * 10 + 10);
        assert_eq!((p.train_samples, p.val_n), (9000, 1000));
        points.push(p);
    }
    assert!(sweep.is_done());
    for w in points.windows(2) {
        assert!(
            w[1].val_loss < w[0].val_loss,
            "width {} loss {} vs width {} loss {}",
            w[1].width,
            w[1].val_loss,
            w[0].width,
            w[0].val_loss
        );
    }
    let fit = fit_points(&points).unwrap();
    assert!(
        fit.alpha > 0.0 && fit.c >= 0.0 && fit.c < points[3].val_loss as f64,
        "{fit:?}"
    );
}

#[test]
fn data_sweep_uses_the_asked_fractions_and_the_same_held_out_set() {
    let config = SweepConfig {
        axis: Axis::Data,
        backend: BackendChoice::Cpu,
        steps: 100,
        width: 32,
        fractions: vec![0.01, 0.3],
        eval_limit: 500,
        ..SweepConfig::default()
    };
    let mut sweep = ScalingSweep::new(config.clone(), &train_file()).unwrap();
    let small = block_on(sweep.next_point()).unwrap().unwrap();
    let large = block_on(sweep.next_point()).unwrap().unwrap();
    assert!(block_on(sweep.next_point()).unwrap().is_none());
    assert_eq!((small.train_samples, large.train_samples), (90, 2700));
    assert_eq!((small.x, small.val_n, large.val_n), (90.0, 500, 500));
    assert!((small.epochs - 100.0 * 64.0 / 90.0).abs() < 1e-9);
    // 90 samples seen ~70 times overfit: train loss far below the held-out loss, which is worse
    // than the larger set's.
    assert!(small.train_loss < 0.5 * small.val_loss, "{small:?}");
    assert!(large.val_loss < small.val_loss, "{large:?} vs {small:?}");
    // A fraction too small for one batch is refused up front.
    let tiny = SweepConfig {
        fractions: vec![0.001],
        ..config
    };
    assert!(ScalingSweep::new(tiny, &train_file()).is_err());
}

#[test]
fn cnn_family_widths_are_valid_models_that_grow() {
    let mut last = 0;
    for w in [1, 4, 16, 64, 256] {
        let n = width_spec(Family::Cnn, w).parameter_count().unwrap();
        assert!(n > last, "width {w}: {n} parameters");
        last = n;
    }
    assert_eq!(
        width_spec(Family::Cnn, 32).param_shapes().unwrap(),
        gradient_garden::spec::ModelSpec::cnn()
            .param_shapes()
            .unwrap()
    );
}

/// The same sweep on the GPU (lavapipe natively) gives the CPU reference's points.
#[test]
fn gpu_sweep_matches_cpu_sweep() {
    let config = SweepConfig {
        backend: BackendChoice::Cpu,
        steps: 30,
        widths: vec![8, 32],
        eval_limit: 300,
        ..SweepConfig::default()
    };
    let run = |backend| -> Result<Vec<_>, gradient_garden::Error> {
        let mut sweep = ScalingSweep::new(
            SweepConfig {
                backend,
                ..config.clone()
            },
            &train_file(),
        )?;
        let mut points = Vec::new();
        while let Some(p) = block_on(sweep.next_point())? {
            points.push(p);
        }
        Ok(points)
    };
    let cpu = run(BackendChoice::Cpu).unwrap();
    let Some(gpu) = gpu_support::or_skip(run(BackendChoice::Gpu)) else {
        return;
    };
    for (c, g) in cpu.iter().zip(&gpu) {
        assert_eq!(g.backend, "gpu");
        let rel = |a: f32, b: f32| (a - b).abs() / a.abs().max(1e-6);
        assert!(
            rel(c.val_loss, g.val_loss) < 1e-3,
            "width {}: cpu {} gpu {}",
            c.width,
            c.val_loss,
            g.val_loss
        );
        assert!(
            rel(c.train_loss, g.train_loss) < 1e-3,
            "width {}: cpu {} gpu {}",
            c.width,
            c.train_loss,
            g.train_loss
        );
    }
}
