//! The dense matmul family against the CPU reference (src/cpu/dense.rs): forward with fused
//! activations and both backward products, split-K weight gradients, and the one-image matvec.
//! Seeded inputs, odd shapes that are not multiples of any tile; rtol 5e-3, atol 1e-5.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{act_code, assert_close, f32s, probe, run, seeded, MM};
use gradient_garden::cpu::{activation, dense};
use gradient_garden::gpu::kernels::{Dispatch, Kernel};
use gradient_garden::gpu::probe::{matmul_params, split_k_params, Arg};
use gradient_garden::spec::Activation;

/// Dense forward (X W^T + b, optionally with a fused activation) and both backward products.
#[test]
fn matmul_dense_forward_and_backward() {
    let Some(p) = probe() else { return };
    for (batch, n_in, n_out) in [(1, 1, 1), (33, 17, 5), (7, 130, 65), (70, 3, 129)] {
        let x = seeded(batch * n_in, 1);
        let w = seeded(n_out * n_in, 2);
        let b = seeded(n_out, 3);
        let dy = seeded(batch * n_out, 4);
        let mut want = vec![0.0; batch * n_out];
        dense::dense_forward(&mut want, &x, &w, &b, batch, n_in, n_out);
        let (bu, i, o) = (batch as u32, n_in as u32, n_out as u32);
        for act in [None, Some(Activation::Relu), Some(Activation::Tanh)] {
            let (words, groups) = matmul_params(
                bu,
                o,
                i,
                [i, 1],
                [1, i],
                [o, 1],
                [0; 3],
                1,
                act.map_or(0, act_code),
            );
            let out = run(
                &p,
                Kernel::Matmul,
                vec![
                    Arg::F32(x.clone()),
                    Arg::F32(w.clone()),
                    Arg::F32(b.clone()),
                    Arg::F32(vec![0.0; batch * n_out]),
                    Arg::Uniform(words),
                ],
                groups,
            );
            let mut want_act = want.clone();
            if let Some(a) = act {
                activation::activation_forward(a, &mut want_act, &want);
            }
            assert_close(
                &format!("dense fwd {batch}x{n_in}x{n_out} {act:?}"),
                &f32s(&out[3]),
                &want_act,
                MM.0,
                MM.1,
            );
        }
        let (mut dx, mut dw, mut db) = (
            vec![0.0; batch * n_in],
            vec![0.0; n_out * n_in],
            vec![0.0; n_out],
        );
        dense::dense_backward(
            Some(&mut dx),
            &mut dw,
            &mut db,
            &dy,
            &x,
            &w,
            batch,
            n_in,
            n_out,
        );
        // dX = dY W
        let (words, groups) = matmul_params(bu, i, o, [o, 1], [i, 1], [i, 1], [0; 3], 0, 0);
        let out = run(
            &p,
            Kernel::Matmul,
            vec![
                Arg::F32(dy.clone()),
                Arg::F32(w.clone()),
                Arg::F32(vec![0.0]),
                Arg::F32(vec![0.0; batch * n_in]),
                Arg::Uniform(words),
            ],
            groups,
        );
        assert_close(
            &format!("dense dX {batch}x{n_in}x{n_out}"),
            &f32s(&out[3]),
            &dx,
            MM.0,
            MM.1,
        );
        // dW = dY^T X
        let (words, groups) = matmul_params(o, i, bu, [1, o], [i, 1], [i, 1], [0; 3], 0, 0);
        let out = run(
            &p,
            Kernel::Matmul,
            vec![
                Arg::F32(dy.clone()),
                Arg::F32(x.clone()),
                Arg::F32(vec![0.0]),
                Arg::F32(vec![0.0; n_out * n_in]),
                Arg::Uniform(words),
            ],
            groups,
        );
        assert_close(
            &format!("dense dW {batch}x{n_in}x{n_out}"),
            &f32s(&out[3]),
            &dw,
            MM.0,
            MM.1,
        );
        // db = column sums of dY
        let out = run(
            &p,
            Kernel::SumReduce,
            vec![
                Arg::F32(dy.clone()),
                Arg::F32(vec![0.0; n_out]),
                Arg::Uniform(vec![o, bu, 1, o]),
            ],
            [o, 1, 1],
        );
        assert_close(
            &format!("dense db {batch}x{n_out}"),
            &f32s(&out[1]),
            &db,
            MM.0,
            MM.1,
        );
    }
}

/// Split-K weight gradient (dW = dY^T X with K = batch cut into slices, then summed).
#[test]
fn split_k_weight_gradient() {
    let Some(p) = probe() else { return };
    for (batch, n_in, n_out, splits) in [
        (1000usize, 17usize, 5usize, 4u32),
        (333, 65, 3, 7),
        (40, 1, 1, 3),
    ] {
        let x = seeded(batch * n_in, 22);
        let dy = seeded(batch * n_out, 23);
        let w = vec![0.0; n_out * n_in];
        let (mut dw, mut db) = (vec![0.0; n_out * n_in], vec![0.0; n_out]);
        dense::dense_backward(None, &mut dw, &mut db, &dy, &x, &w, batch, n_in, n_out);
        let (o, i) = (n_out as u32, n_in as u32);
        let (words, groups) = split_k_params(o, i, batch as u32, [1, o], [i, 1], splits);
        let parts = groups[2] as usize;
        let out = run(
            &p,
            Kernel::Matmul,
            vec![
                Arg::F32(dy),
                Arg::F32(x),
                Arg::F32(vec![0.0]),
                Arg::F32(vec![f32::NAN; parts * n_out * n_in]),
                Arg::Uniform(words),
            ],
            groups,
        );
        let n = n_out * n_in;
        let out = run(
            &p,
            Kernel::SplitKSum,
            vec![
                Arg::F32(f32s(&out[3])),
                Arg::F32(vec![0.0; n]),
                Arg::Uniform(vec![n as u32, parts as u32]),
            ],
            Dispatch::grid(n),
        );
        assert_close(
            &format!("split-k dW {batch}x{n_in}x{n_out} in {parts} slices"),
            &f32s(&out[1]),
            &dw,
            MM.0,
            MM.1,
        );
    }
}

/// The small-batch dense forward (one image per pen stroke) with every activation.
#[test]
fn matvec_dense_forward() {
    let Some(p) = probe() else { return };
    for (batch, n_in, n_out) in [
        (1usize, 1usize, 1usize),
        (1, 784, 128),
        (3, 1600, 65),
        (4, 63, 10),
    ] {
        let x = seeded(batch * n_in, 24);
        let w = seeded(n_out * n_in, 25);
        let b = seeded(n_out, 26);
        let mut want = vec![0.0; batch * n_out];
        dense::dense_forward(&mut want, &x, &w, &b, batch, n_in, n_out);
        for act in [
            None,
            Some(Activation::Relu),
            Some(Activation::Sigmoid),
            Some(Activation::Tanh),
        ] {
            let words = vec![
                batch as u32,
                n_out as u32,
                n_in as u32,
                act.map_or(0, act_code),
            ];
            let out = run(
                &p,
                Kernel::Matvec,
                vec![
                    Arg::F32(x.clone()),
                    Arg::F32(w.clone()),
                    Arg::F32(b.clone()),
                    Arg::F32(vec![0.0; batch * n_out]),
                    Arg::Uniform(words),
                ],
                [n_out as u32, batch as u32, 1],
            );
            let mut want_act = want.clone();
            if let Some(a) = act {
                activation::activation_forward(a, &mut want_act, &want);
            }
            assert_close(
                &format!("matvec {batch}x{n_in}x{n_out} {act:?}"),
                &f32s(&out[3]),
                &want_act,
                MM.0,
                MM.1,
            );
        }
    }
}
