//! L1 regularization (added for the plane; every optimizer has it): the gradient the optimizer
//! adds is the derivative of `loss + l1 * sum |w|` by central differences, on the CPU; the GPU
//! kernel (shaders/l1_penalty_gradient.wgsl) matches the CPU one elementwise, and whole GPU
//! training steps with L1 match the CPU's.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{
    assert_close, assert_params_close, f32s, mnist, or_skip, probe, run, seeded, EW,
};
use gradient_garden::backend::{Backend, TrainBatch};
use gradient_garden::cpu::{
    l1_penalty_gradient, softmax_cross_entropy, CpuBackend, Model, OptimizerState,
};
use gradient_garden::gpu::kernels::{Dispatch, Kernel};
use gradient_garden::gpu::probe::Arg;
use gradient_garden::gpu::{step_words, GpuBackend};
use gradient_garden::init::{init_params, init_params_for};
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::{Io, LayerSpec, Loss, ModelSpec};

/// A plane-sized model: 3 features -> 4 tanh -> 3 classes.
fn small_model() -> Model {
    let spec = ModelSpec {
        input: vec![3],
        layers: vec![
            LayerSpec::Dense { units: 4 },
            LayerSpec::Tanh,
            LayerSpec::Dense { units: 3 },
        ],
        loss: Loss::SoftmaxCrossEntropy,
    };
    let io = Io {
        inputs: 3,
        outputs: 3,
    };
    Model::with_io(&spec, &init_params_for(&spec, io, 5).unwrap(), io).unwrap()
}

/// `loss + l1 * sum |w|` over a fixed batch, in f64 where it is summed.
fn objective(model: &Model, input: &[f32], labels: &[u8], l1: f32) -> f64 {
    let out = model.logits(input).unwrap();
    let loss = softmax_cross_entropy(&mut vec![0.0; out.len()], &out, labels).loss as f64;
    let penalty: f64 = model
        .params
        .iter()
        .flat_map(|p| &p.tensor.data)
        .map(|w| w.abs() as f64)
        .sum();
    loss + l1 as f64 * penalty
}

#[test]
fn the_l1_step_follows_the_finite_difference_gradient() {
    let mut model = small_model();
    let (input, labels) = (seeded(6 * 3, 1), vec![0u8, 2, 1, 1, 0, 2]);
    let l1 = 0.05;
    let mut ws = model.workspace(6);
    ws.input.copy_from_slice(&input);
    ws.labels.copy_from_slice(&labels);
    model.forward(&mut ws, None);
    model.loss(&mut ws);
    let mut grads: Vec<Vec<f32>> = model
        .params
        .iter()
        .map(|p| vec![0.0; p.tensor.data.len()])
        .collect();
    model.backward(&mut ws, &mut grads, None);

    // What one SGD step with L1 moves each weight by, divided by the rate, is the gradient.
    let cfg = OptimizerConfig {
        kind: OptimizerKind::Sgd,
        lr: 1e-3,
        l1,
        ..OptimizerConfig::default()
    };
    let mut state = OptimizerState::new(&grads.iter().map(Vec::len).collect::<Vec<_>>());
    state.begin_step(&cfg);
    let eps = 1e-3f32;
    let mut checked = 0;
    for (t, grad) in grads.iter().enumerate() {
        let w0 = model.params[t].tensor.data.clone();
        let mut w1 = w0.clone();
        state.update(t, &mut w1, grad, &cfg);
        for i in 0..w0.len() {
            if w0[i].abs() < 2.0 * eps {
                continue; // |w| has a kink at 0: central differences straddling it say nothing
            }
            let stepped = (w0[i] - w1[i]) / cfg.lr;
            let mut at = |v: f32| {
                model.params[t].tensor.data[i] = v;
                objective(&model, &input, &labels, l1)
            };
            let numeric = ((at(w0[i] + eps) - at(w0[i] - eps)) / (2.0 * eps as f64)) as f32;
            model.params[t].tensor.data[i] = w0[i];
            assert!(
                (stepped - numeric).abs() <= 1e-2 * numeric.abs() + 1e-3,
                "tensor {t} weight {i}: step says {stepped}, finite differences {numeric}"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} weights checked");
}

#[test]
fn l1_pulls_by_its_sign_and_leaves_zero_alone() {
    let g = l1_penalty_gradient(&[0.5, 0.5, 0.5], &[2.0, -3.0, 0.0], 0.1);
    assert_eq!(g, [0.6, 0.4, 0.5]);
    // With no loss gradient, Adam and momentum shrink every weight toward zero.
    for kind in [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Adam,
    ] {
        let cfg = OptimizerConfig {
            kind,
            lr: 0.01,
            l1: 0.1,
            ..OptimizerConfig::default()
        };
        let mut state = OptimizerState::new(&[2]);
        let mut w = [1.0f32, -1.0];
        for _ in 0..5 {
            state.begin_step(&cfg);
            state.update(0, &mut w, &[0.0, 0.0], &cfg);
        }
        assert!(
            w[0] < 1.0 && w[0] > 0.0 && w[1] > -1.0 && w[1] < 0.0,
            "{kind:?}: {w:?}"
        );
    }
}

#[test]
fn the_l1_kernel_matches_the_cpu() {
    let Some(p) = probe() else { return };
    for n in [1, 255, 1000] {
        let mut w = seeded(n, 21);
        w[0] = 0.0;
        let g = seeded(n, 22);
        for l1 in [0.0, 0.03] {
            let cfg = OptimizerConfig {
                l1,
                ..OptimizerConfig::default()
            };
            let want = if l1 > 0.0 {
                l1_penalty_gradient(&g, &w, l1)
            } else {
                g.clone()
            };
            let out = run(
                &p,
                Kernel::L1PenaltyGradient,
                vec![
                    Arg::F32(w.clone()),
                    Arg::F32(g.clone()),
                    Arg::Uniform(step_words(&cfg, 1, 0, 0, false).to_vec()),
                ],
                Dispatch::grid(n),
            );
            assert_close(&format!("l1 {l1} n {n}"), &f32s(&out[1]), &want, EW.0, EW.1);
        }
    }
}

#[test]
fn gpu_training_with_l1_matches_the_cpu() {
    pollster::block_on(async {
        let spec = ModelSpec::mlp();
        let params = init_params(&spec, 3).unwrap();
        let batch = 8;
        let Some(mut gpu) = or_skip(GpuBackend::new(&spec, &params, batch).await) else {
            return;
        };
        let mut cpu = CpuBackend::new(&spec, &params, batch).unwrap();
        let data = mnist().take(256);
        gpu.upload_train_set(&data.images, &data.labels).unwrap();
        cpu.upload_train_set(&data.images, &data.labels).unwrap();
        for kind in [OptimizerKind::Sgd, OptimizerKind::Adam] {
            let cfg = OptimizerConfig {
                kind,
                lr: if kind == OptimizerKind::Sgd {
                    0.05
                } else {
                    1e-3
                },
                l1: 1e-3,
                ..OptimizerConfig::default()
            };
            for step in 0..5u32 {
                let indices: Vec<u32> = (0..batch as u32)
                    .map(|i| (i * 29 + step * 7) % 256)
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
                gpu.read_params().await.unwrap(),
                cpu.read_params().await.unwrap(),
            );
            assert_params_close(&format!("{kind:?} after 5 steps"), &g, &c, 5e-3, 1e-5);
        }
    });
}
