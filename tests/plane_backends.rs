//! The plane's point sets (feature rows with class labels or values, `TrainSet`) on both
//! backends: the same steps from the same weights give the same losses and weights on the GPU as
//! on the CPU reference, and the MSE-on-values loss's gradient matches finite differences.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{assert_close, assert_params_close, or_skip};
use gradient_garden::backend::{Backend, TrainBatch, TrainInputs, TrainSet, TrainTargets};
use gradient_garden::cpu::{mse_values, CpuBackend};
use gradient_garden::gpu::GpuBackend;
use gradient_garden::init::init_params_for;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::{Io, LayerSpec, Loss, ModelSpec};

/// `inputs` features -> 5 tanh -> 4 relu -> `outputs`, like a plane net.
fn plane_spec(inputs: usize, outputs: usize, loss: Loss) -> ModelSpec {
    ModelSpec {
        input: vec![inputs],
        layers: vec![
            LayerSpec::Dense { units: 5 },
            LayerSpec::Tanh,
            LayerSpec::Dense { units: 4 },
            LayerSpec::Relu,
            LayerSpec::Dense { units: outputs },
        ],
        loss,
    }
}

/// Seeded values in [-1, 1).
fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// Train the same batches on both backends; compare every step's loss and accuracy count, and
/// the weights and logits at the end.
fn compare(io: Io, loss: Loss, set: TrainSet, n: usize, kind: OptimizerKind) {
    pollster::block_on(async {
        let spec = plane_spec(io.inputs, io.outputs, loss);
        let params = init_params_for(&spec, io, 5).unwrap();
        let batch = 7;
        let Some(mut gpu) = or_skip(GpuBackend::with_io(&spec, io, &params, batch).await) else {
            return;
        };
        let mut cpu = CpuBackend::with_io(&spec, io, &params, batch).unwrap();
        gpu.upload(set).unwrap();
        cpu.upload(set).unwrap();
        let cfg = OptimizerConfig {
            kind,
            lr: if kind == OptimizerKind::Adam {
                0.01
            } else {
                0.1
            },
            weight_decay: 1e-3,
            l1: 1e-3,
            ..OptimizerConfig::default()
        };
        for step in 0..10u32 {
            let indices: Vec<u32> = (0..batch as u32)
                .map(|i| (i * 13 + step * 5) % n as u32)
                .collect();
            let b = TrainBatch {
                indices: &indices,
                transforms: &[],
                seed: step,
            };
            gpu.train_step(&b, &cfg).unwrap();
            cpu.train_step(&b, &cfg).unwrap();
        }
        let (g, c) = (
            gpu.take_metrics().await.unwrap(),
            cpu.take_metrics().await.unwrap(),
        );
        assert_eq!(g.len(), 10);
        let what = format!("{io:?} {loss:?} {kind:?}");
        let loss_of = |m: &[gradient_garden::backend::StepMetrics]| -> Vec<f32> {
            m.iter().map(|s| s.loss).collect()
        };
        assert_close(
            &format!("{what} losses"),
            &loss_of(&g),
            &loss_of(&c),
            1e-3,
            1e-5,
        );
        for (a, b) in g.iter().zip(&c) {
            assert_eq!(a.correct, b.correct, "{what} step {}", a.step);
        }
        let (gp, cp) = (
            gpu.read_params().await.unwrap(),
            cpu.read_params().await.unwrap(),
        );
        assert_params_close(&what, &gp, &cp, 5e-3, 1e-5);
        let rows = values(3 * io.inputs, 99);
        let (gl, cl) = (
            gpu.logits(&rows).await.unwrap(),
            cpu.logits(&rows).await.unwrap(),
        );
        assert_eq!(cl.len(), 3 * io.outputs);
        assert_close(&format!("{what} logits"), &gl, &cl, 5e-3, 1e-5);
    });
}

#[test]
fn two_and_three_classes_step_alike_on_gpu_and_cpu() {
    let n = 40;
    for (classes, kind) in [(2, OptimizerKind::Sgd), (3, OptimizerKind::Adam)] {
        let io = Io {
            inputs: 3,
            outputs: classes,
        };
        let rows = values(n * io.inputs, classes as u32);
        let labels: Vec<u8> = (0..n).map(|i| (i * 7 % classes) as u8).collect();
        let set = TrainSet {
            inputs: TrainInputs::Features(&rows),
            targets: TrainTargets::Classes(&labels),
        };
        compare(io, Loss::SoftmaxCrossEntropy, set, n, kind);
    }
}

#[test]
fn regression_steps_alike_on_gpu_and_cpu() {
    let n = 30;
    let io = Io {
        inputs: 2,
        outputs: 1,
    };
    let rows = values(n * 2, 4);
    let targets: Vec<f32> = rows.chunks(2).map(|p| 0.8 * p[0] - 0.3 * p[1]).collect();
    let set = TrainSet {
        inputs: TrainInputs::Features(&rows),
        targets: TrainTargets::Values(&targets),
    };
    compare(io, Loss::Mse, set, n, OptimizerKind::Momentum);
}

#[test]
fn mse_on_values_gradient_matches_finite_differences() {
    let y = values(6, 1);
    let t = values(6, 2);
    let mut dy = vec![0.0; 6];
    let loss = mse_values(&mut dy, &y, &t).loss;
    let want: f64 = y
        .iter()
        .zip(&t)
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>()
        / 6.0;
    assert!((loss as f64 - want).abs() < 1e-6, "{loss} vs {want}");
    let eps = 1e-3;
    for i in 0..6 {
        let mut scratch = vec![0.0; 6];
        let mut up = y.clone();
        up[i] += eps;
        let mut down = y.clone();
        down[i] -= eps;
        let numeric = (mse_values(&mut scratch, &up, &t).loss
            - mse_values(&mut scratch, &down, &t).loss)
            / (2.0 * eps);
        assert!(
            (numeric - dy[i]).abs() <= (1e-2 * numeric.abs()).max(1e-3),
            "dy[{i}] {} vs numeric {numeric}",
            dy[i]
        );
    }
}

#[test]
fn a_set_of_the_wrong_shape_is_refused_by_both() {
    pollster::block_on(async {
        let io = Io {
            inputs: 2,
            outputs: 2,
        };
        let spec = plane_spec(2, 2, Loss::SoftmaxCrossEntropy);
        let params = init_params_for(&spec, io, 1).unwrap();
        let rows = [0.5f32; 6];
        let bad_label = TrainSet {
            inputs: TrainInputs::Features(&rows),
            targets: TrainTargets::Classes(&[0, 1, 2]),
        };
        let mut cpu = CpuBackend::with_io(&spec, io, &params, 2).unwrap();
        assert!(cpu.upload(bad_label).is_err());
        assert!(cpu.upload_train_set(&[0; 784], &[1]).is_err());
        let Some(mut gpu) = or_skip(GpuBackend::with_io(&spec, io, &params, 2).await) else {
            return;
        };
        assert!(gpu.upload(bad_label).is_err());
        assert!(gpu.upload_train_set(&[0; 784], &[1]).is_err());
        // No set uploaded: a step is refused, not run on nothing.
        let b = TrainBatch {
            indices: &[0, 1],
            transforms: &[],
            seed: 0,
        };
        assert!(gpu.train_step(&b, &OptimizerConfig::default()).is_err());
    });
}
