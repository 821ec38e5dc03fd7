//! The elementwise, pooling, loss, optimizer, gather and reduction kernels against the CPU
//! reference (src/cpu), on seeded inputs with sizes that are not multiples of the workgroup.
//! Elementwise rtol 1e-5 atol 1e-6; reductions rtol 5e-3 atol 1e-5.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{act_code, assert_close, f32s, probe, run, seeded, EW, MM};
use gradient_garden::cpu::{activation, augment, dropout, loss, optimizer, pool};
use gradient_garden::gpu::kernels::{Dispatch, Kernel};
use gradient_garden::gpu::probe::Arg;
use gradient_garden::gpu::step_words;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::Activation;

#[test]
fn maxpool_forward_and_backward() {
    let Some(p) = probe() else { return };
    for (planes, h, w, size) in [(1, 1, 1, 1), (3, 9, 7, 2), (5, 13, 11, 3), (2, 26, 26, 2)] {
        let mut x = seeded(planes * h * w, 9);
        // Ties: the first maximum in row-major window order must win on both backends.
        for v in x.iter_mut().step_by(5) {
            *v = 0.5;
        }
        let (oh, ow) = (h / size, w / size);
        let n_out = planes * oh * ow;
        let (mut y, mut argmax) = (vec![0.0; n_out], vec![0u32; n_out]);
        pool::maxpool2d_forward(&mut y, &mut argmax, &x, planes, h, w, size);
        let words = vec![planes as u32, h as u32, w as u32, size as u32];
        let out = run(
            &p,
            Kernel::MaxpoolForward,
            vec![
                Arg::F32(x.clone()),
                Arg::F32(vec![0.0; n_out]),
                Arg::U32(vec![0; n_out]),
                Arg::Uniform(words.clone()),
            ],
            Dispatch::grid(n_out),
        );
        assert_close(
            &format!("maxpool fwd {planes}x{h}x{w}/{size}"),
            &f32s(&out[1]),
            &y,
            EW.0,
            EW.1,
        );
        assert_eq!(out[2], argmax, "maxpool argmax");
        let dy = seeded(n_out, 10);
        let mut dx = vec![0.0; x.len()];
        pool::maxpool2d_backward(&mut dx, &dy, &argmax);
        let out = run(
            &p,
            Kernel::MaxpoolBackward,
            vec![
                Arg::F32(dy),
                Arg::U32(argmax),
                Arg::F32(vec![1.0; x.len()]),
                Arg::Uniform(words),
            ],
            Dispatch::grid(x.len()),
        );
        assert_close(
            &format!("maxpool bwd {planes}x{h}x{w}/{size}"),
            &f32s(&out[2]),
            &dx,
            EW.0,
            EW.1,
        );
    }
}

/// Conv -> activation -> MaxPool backward in one pass (pool_act_backward.wgsl) against the
/// reference's three steps: pool backward, activation backward, then [b, c, q] -> [c, b, q].
#[test]
fn pool_activation_backward_fused_and_transposed() {
    let Some(p) = probe() else { return };
    let acts = [Activation::Relu, Activation::Sigmoid, Activation::Tanh];
    for (batch, c, h, w, size) in [(1, 1, 1, 1, 1), (3, 2, 9, 7, 2), (2, 5, 13, 11, 3)] {
        for act in acts {
            let plane = h * w;
            let n = batch * c * plane;
            let mut pre = seeded(n, 11);
            for v in pre.iter_mut().step_by(7) {
                *v = 0.0; // relu ties at the kink, and ties in the pool windows
            }
            let mut y = vec![0.0; n];
            activation::activation_forward(act, &mut y, &pre);
            let (oh, ow) = (h / size, w / size);
            let n_out = batch * c * oh * ow;
            let (mut pooled, mut argmax) = (vec![0.0; n_out], vec![0u32; n_out]);
            pool::maxpool2d_forward(&mut pooled, &mut argmax, &y, batch * c, h, w, size);
            let dy = seeded(n_out, 12);
            let mut d_pool = vec![0.0; n];
            pool::maxpool2d_backward(&mut d_pool, &dy, &argmax);
            let mut d_act = vec![0.0; n];
            activation::activation_backward(act, &mut d_act, &y, &d_pool);
            let mut want = vec![0.0; n];
            for b in 0..batch {
                for ch in 0..c {
                    for q in 0..plane {
                        want[(ch * batch + b) * plane + q] = d_act[(b * c + ch) * plane + q];
                    }
                }
            }
            let words = [batch, c, h, w, size, act_code(act) as usize, 0, 0];
            let out = run(
                &p,
                Kernel::PoolActBackward,
                vec![
                    Arg::F32(dy),
                    Arg::U32(argmax),
                    Arg::F32(y),
                    Arg::F32(vec![f32::NAN; n]),
                    Arg::Uniform(words.iter().map(|&v| v as u32).collect()),
                ],
                Dispatch::planes(c * h.div_ceil(size) * w.div_ceil(size), batch, 1),
            );
            assert_close(
                &format!("pool+{act:?} bwd {batch}x{c}x{h}x{w}/{size}"),
                &f32s(&out[3]),
                &want,
                EW.0,
                EW.1,
            );
        }
    }
}

#[test]
fn activations_forward_and_backward() {
    let Some(p) = probe() else { return };
    for n in [1, 257, 1000] {
        let x: Vec<f32> = seeded(n, 11).iter().map(|v| v * 4.0).collect();
        let dy = seeded(n, 12);
        for a in [Activation::Relu, Activation::Sigmoid, Activation::Tanh] {
            let mut y = vec![0.0; n];
            activation::activation_forward(a, &mut y, &x);
            let out = run(
                &p,
                Kernel::ActivationForward,
                vec![
                    Arg::F32(x.clone()),
                    Arg::F32(vec![0.0; n]),
                    Arg::Uniform(vec![n as u32, act_code(a)]),
                ],
                Dispatch::grid(n),
            );
            assert_close(&format!("{a:?} fwd n={n}"), &f32s(&out[1]), &y, EW.0, EW.1);
            let mut dx = vec![0.0; n];
            activation::activation_backward(a, &mut dx, &y, &dy);
            let out = run(
                &p,
                Kernel::ActivationBackward,
                vec![
                    Arg::F32(y.clone()),
                    Arg::F32(dy.clone()),
                    Arg::F32(vec![0.0; n]),
                    Arg::Uniform(vec![n as u32, act_code(a)]),
                ],
                Dispatch::grid(n),
            );
            assert_close(&format!("{a:?} bwd n={n}"), &f32s(&out[2]), &dx, EW.0, EW.1);
        }
    }
}

#[test]
fn dropout_mask_matches_cpu_hash() {
    let Some(p) = probe() else { return };
    let opt = OptimizerConfig::default();
    for (n, layer, rate, seed) in [
        (1usize, 0u32, 0.5f32, 1u32),
        (1001, 4, 0.3, 77),
        (4099, 9, 0.9, 0xDEADBEEF),
    ] {
        let x = seeded(n, 13);
        let mut want = vec![0.0; n];
        dropout::dropout_forward(&mut want, &x, seed, layer, rate);
        let scale = 1.0 / (1.0 - rate);
        let step = step_words(&opt, 1, seed, 0, false).to_vec();
        let out = run(
            &p,
            Kernel::Dropout,
            vec![
                Arg::F32(x),
                Arg::F32(vec![0.0; n]),
                Arg::Uniform(vec![n as u32, layer, rate.to_bits(), scale.to_bits()]),
                Arg::Uniform(step),
            ],
            Dispatch::grid(n),
        );
        let got = f32s(&out[1]);
        assert_eq!(
            got.iter().map(|v| *v == 0.0).collect::<Vec<_>>(),
            want.iter().map(|v| *v == 0.0).collect::<Vec<_>>(),
            "dropout masks differ (n={n}, layer {layer}, rate {rate})"
        );
        assert_close(&format!("dropout n={n}"), &got, &want, EW.0, EW.1);
    }
}

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
fn gather_with_and_without_transforms() {
    let Some(p) = probe() else { return };
    let n_images = 5;
    let images: Vec<u8> = (0..n_images * 784)
        .map(|i| ((i * 31 + i / 7) % 256) as u8)
        .collect();
    let labels: Vec<u8> = (0..n_images).map(|i| (i * 3 % 10) as u8).collect();
    let indices = vec![4u32, 0, 2, 2, 1, 3, 4];
    let transforms: Vec<[f32; 6]> = (0..indices.len())
        .map(|i| {
            let a = 0.37 * i as f32 - 1.0;
            let s = 1.0 + 0.1 * i as f32;
            [
                s * a.cos(),
                -a.sin(),
                0.3 * i as f32 - 2.0,
                a.sin(),
                s * a.cos(),
                1.7 - 0.6 * i as f32,
            ]
        })
        .collect();
    let packed: Vec<u32> = images
        .chunks(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let labels32: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
    let b = indices.len();
    for with in [false, true] {
        let t: &[[f32; 6]] = if with { &transforms } else { &[] };
        let mut want = vec![0.0; b * 784];
        let mut want_labels = vec![0u8; b];
        augment::gather_batch(&mut want, &mut want_labels, &images, &labels, &indices, t).unwrap();
        let flat: Vec<f32> = if with {
            transforms.iter().flatten().copied().collect()
        } else {
            vec![0.0; 6 * b]
        };
        let step = step_words(&OptimizerConfig::default(), 1, 0, 0, with).to_vec();
        let out = run(
            &p,
            Kernel::Gather,
            vec![
                Arg::U32(packed.clone()),
                Arg::U32(labels32.clone()),
                Arg::U32(indices.clone()),
                Arg::F32(flat),
                Arg::F32(vec![0.0; b * 784]),
                Arg::U32(vec![99; b]),
                Arg::Uniform(step),
            ],
            Dispatch::grid(b * 784),
        );
        // The source coordinate a*x + b*y + c may be contracted into FMAs on the GPU, moving it
        // by ~1 ulp; bilinear sampling is continuous in it and pixels are in [0, 1], so the
        // result moves by at most a few 1e-6 (even across a floor() boundary).
        let atol = if with { 1e-5 } else { EW.1 };
        assert_close(
            &format!("gather transforms={with}"),
            &f32s(&out[4]),
            &want,
            EW.0,
            atol,
        );
        assert_eq!(
            out[5],
            want_labels.iter().map(|&l| l as u32).collect::<Vec<_>>(),
            "gathered labels"
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
