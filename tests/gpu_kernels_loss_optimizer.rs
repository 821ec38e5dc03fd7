//! The end of a training step on the GPU against the CPU reference: the losses with their
//! gradients and metrics (src/cpu/loss.rs), the optimizer updates (src/cpu/optimizer.rs) and the
//! per-tensor norm reduction. Elementwise rtol 1e-5 atol 1e-6; reductions rtol 5e-3 atol 1e-5.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{assert_close, f32s, probe, run, seeded, EW, MM};
use gradient_garden::cpu::{loss, optimizer};
use gradient_garden::gpu::kernels::{Dispatch, Kernel};
use gradient_garden::gpu::probe::Arg;
use gradient_garden::gpu::step_words;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};

#[test]
fn losses_with_gradients_and_metrics() {
    let Some(p) = probe() else { return };
    let opt = OptimizerConfig::default();
    for batch in [1usize, 7, 300] {
        let z: Vec<f32> = seeded(batch * 10, 14).iter().map(|v| v * 5.0).collect();
        let labels: Vec<u8> = (0..batch).map(|i| (i * 7 % 10) as u8).collect();
        let labels32: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
        for (kernel, name) in [
            (Kernel::LossSoftmaxCrossEntropy, "cross-entropy"),
            (Kernel::LossMse, "mse"),
        ] {
            let mut d = vec![0.0; batch * 10];
            let want = if kernel == Kernel::LossMse {
                loss::mse_one_hot(&mut d, &z, &labels)
            } else {
                loss::softmax_cross_entropy(&mut d, &z, &labels)
            };
            let slot = 3u32;
            let step = step_words(&opt, 1, 0, slot, false).to_vec();
            let out = run(
                &p,
                kernel,
                vec![
                    Arg::F32(z.clone()),
                    Arg::U32(labels32.clone()),
                    Arg::F32(vec![0.0; batch * 10]),
                    Arg::U32(vec![0; 16]),
                    Arg::Uniform(step),
                ],
                [1, 1, 1],
            );
            assert_close(
                &format!("{name} gradient batch={batch}"),
                &f32s(&out[2]),
                &d,
                EW.0,
                EW.1,
            );
            let metrics = &out[3];
            assert_close(
                &format!("{name} loss batch={batch}"),
                &[f32::from_bits(metrics[2 * slot as usize])],
                &[want.loss],
                MM.0,
                MM.1,
            );
            assert_eq!(
                metrics[2 * slot as usize + 1],
                want.correct,
                "{name} correct count"
            );
            assert!(
                metrics
                    .iter()
                    .enumerate()
                    .all(|(i, &v)| i / 2 == slot as usize || v == 0),
                "only the step's slot is written"
            );
        }
    }
}

#[test]
fn optimizer_updates() {
    let Some(p) = probe() else { return };
    let n = 1000;
    let w = seeded(n, 15);
    let g = seeded(n, 16);
    let m0: Vec<f32> = seeded(n, 17).iter().map(|v| v * 0.1).collect();
    let v0: Vec<f32> = seeded(n, 18).iter().map(|v| v * v * 0.01).collect();
    for kind in [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Adam,
    ] {
        let cfg = OptimizerConfig {
            kind,
            lr: 0.01,
            weight_decay: 0.05,
            ..OptimizerConfig::default()
        };
        let t = 4;
        let (mut wc, mut mc, mut vc) = (w.clone(), m0.clone(), v0.clone());
        match kind {
            OptimizerKind::Sgd => optimizer::sgd_update(&mut wc, &g, cfg.lr, cfg.weight_decay),
            OptimizerKind::Momentum => optimizer::momentum_update(
                &mut wc,
                &mut mc,
                &g,
                cfg.lr,
                cfg.momentum,
                cfg.weight_decay,
            ),
            OptimizerKind::Adam => optimizer::adam_update(&mut wc, &mut mc, &mut vc, &g, t, &cfg),
        }
        let step = step_words(&cfg, t, 0, 0, false).to_vec();
        let out = run(
            &p,
            Kernel::OptimizerUpdate,
            vec![
                Arg::F32(w.clone()),
                Arg::F32(g.clone()),
                Arg::F32(m0.clone()),
                Arg::F32(v0.clone()),
                Arg::F32(vec![0.0; n]),
                Arg::Uniform(step),
            ],
            Dispatch::grid(n),
        );
        assert_close(
            &format!("{kind:?} weights"),
            &f32s(&out[0]),
            &wc,
            EW.0,
            EW.1,
        );
        assert_close(
            &format!("{kind:?} state m"),
            &f32s(&out[2]),
            &mc,
            EW.0,
            EW.1,
        );
        assert_close(
            &format!("{kind:?} state v"),
            &f32s(&out[3]),
            &vc,
            EW.0,
            EW.1,
        );
        let delta: Vec<f32> = wc.iter().zip(&w).map(|(a, b)| a - b).collect();
        assert_close(
            &format!("{kind:?} update"),
            &f32s(&out[4]),
            &delta,
            1e-3,
            1e-6,
        );
    }
}

#[test]
fn layer_norms_sum_squares_per_tensor() {
    let Some(p) = probe() else { return };
    let n = 700;
    let (w, g, u) = (seeded(n, 19), seeded(n, 20), seeded(n, 21));
    let ranges = [(0usize, 1usize), (64, 300), (384, 316)];
    let flat: Vec<u32> = ranges
        .iter()
        .flat_map(|&(o, l)| [o as u32, l as u32])
        .collect();
    let out = run(
        &p,
        Kernel::LayerNorms,
        vec![
            Arg::F32(w.clone()),
            Arg::F32(g.clone()),
            Arg::F32(u.clone()),
            Arg::U32(flat),
            Arg::F32(vec![0.0; 9]),
        ],
        [3, 1, 1],
    );
    let sq = |v: &[f32], o: usize, l: usize| v[o..o + l].iter().map(|x| x * x).sum::<f32>();
    let want: Vec<f32> = ranges
        .iter()
        .flat_map(|&(o, l)| [sq(&g, o, l), sq(&w, o, l), sq(&u, o, l)])
        .collect();
    assert_close("layer norms", &f32s(&out[4]), &want, MM.0, MM.1);
}
