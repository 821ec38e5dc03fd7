//! The activation, dropout and max-pool kernels against the CPU reference (src/cpu/activation.rs,
//! dropout.rs, pool.rs), forward and backward, including the fused pool + activation backward, on
//! seeded inputs with sizes that are not multiples of the workgroup. rtol 1e-5, atol 1e-6.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{act_code, assert_close, f32s, probe, run, seeded, EW};
use gradient_garden::cpu::{activation, dropout, pool};
use gradient_garden::gpu::kernels::{Dispatch, Kernel};
use gradient_garden::gpu::probe::Arg;
use gradient_garden::gpu::step_words;
use gradient_garden::optim::OptimizerConfig;
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
