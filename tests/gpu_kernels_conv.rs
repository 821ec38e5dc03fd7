//! Convolution on the GPU (im2col + matmul forward, and its backward) against the CPU reference
//! (src/cpu/conv.rs). Seeded inputs, odd shapes that are not multiples of any tile; rtol 5e-3,
//! atol 1e-5.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{assert_close, f32s, probe, run, seeded, MM};
use gradient_garden::cpu::conv;
use gradient_garden::gpu::kernels::{Dispatch, Kernel};
use gradient_garden::gpu::probe::{matmul_params, Arg};

/// Conv forward (im2col + batched matmul with per-row bias) and backward (transpose, dW matmul,
/// bias row sums, dcol matmul, col2im) against src/cpu/conv.rs.
#[test]
fn conv2d_forward_and_backward() {
    let Some(p) = probe() else { return };
    let cases = [
        conv::Conv2dDims {
            batch: 1,
            in_channels: 1,
            height: 1,
            width: 1,
            filters: 1,
            kernel: 1,
            pad: 0,
        },
        conv::Conv2dDims {
            batch: 3,
            in_channels: 2,
            height: 9,
            width: 7,
            filters: 5,
            kernel: 3,
            pad: 1,
        },
        conv::Conv2dDims {
            batch: 2,
            in_channels: 3,
            height: 13,
            width: 11,
            filters: 67,
            kernel: 4,
            pad: 0,
        },
        conv::Conv2dDims {
            batch: 5,
            in_channels: 1,
            height: 28,
            width: 28,
            filters: 3,
            kernel: 5,
            pad: 2,
        },
    ];
    for d in cases {
        let (oh, ow) = (d.out_h(), d.out_w());
        let plane = oh * ow;
        let bp = d.batch * plane;
        let ckk = d.in_channels * d.kernel * d.kernel;
        let x = seeded(d.batch * d.in_channels * d.height * d.width, 5);
        let w = seeded(d.filters * ckk, 6);
        let b = seeded(d.filters, 7);
        let dy = seeded(d.batch * d.filters * plane, 8);
        let geom: Vec<u32> = [
            d.batch,
            d.in_channels,
            d.height,
            d.width,
            d.kernel,
            d.pad,
            oh,
            ow,
        ]
        .map(|v| v as u32)
        .to_vec();
        let out = run(
            &p,
            Kernel::Im2col,
            vec![
                Arg::F32(x.clone()),
                Arg::F32(vec![0.0; ckk * bp]),
                Arg::Uniform(geom.clone()),
            ],
            Dispatch::planes(bp, ckk, 1),
        );
        let col = f32s(&out[1]);
        let (f, pl, k) = (d.filters as u32, plane as u32, ckk as u32);
        let (words, mut groups) = matmul_params(
            f,
            pl,
            k,
            [k, 1],
            [bp as u32, 1],
            [pl, 1],
            [0, pl, f * pl],
            2,
            0,
        );
        groups[2] = d.batch as u32;
        let out = run(
            &p,
            Kernel::Matmul,
            vec![
                Arg::F32(w.clone()),
                Arg::F32(col.clone()),
                Arg::F32(b.clone()),
                Arg::F32(vec![0.0; d.batch * d.filters * plane]),
                Arg::Uniform(words),
            ],
            groups,
        );
        let mut want = vec![0.0; d.batch * d.filters * plane];
        conv::conv2d_forward(&mut want, &x, &w, &b, &d);
        assert_close(
            &format!("conv fwd {d:?}"),
            &f32s(&out[3]),
            &want,
            MM.0,
            MM.1,
        );

        let (mut dx, mut dw, mut db) =
            (vec![0.0; x.len()], vec![0.0; w.len()], vec![0.0; d.filters]);
        conv::conv2d_backward(Some(&mut dx), &mut dw, &mut db, &dy, &x, &w, &d);
        let out = run(
            &p,
            Kernel::TransposeBatchChannel,
            vec![
                Arg::F32(dy.clone()),
                Arg::F32(vec![0.0; dy.len()]),
                Arg::Uniform(vec![d.batch as u32, f, pl]),
            ],
            Dispatch::grid(dy.len()),
        );
        let dyt = f32s(&out[1]);
        let bpu = bp as u32;
        let (words, groups) = matmul_params(f, k, bpu, [bpu, 1], [1, bpu], [k, 1], [0; 3], 0, 0);
        let out = run(
            &p,
            Kernel::Matmul,
            vec![
                Arg::F32(dyt.clone()),
                Arg::F32(col.clone()),
                Arg::F32(vec![0.0]),
                Arg::F32(vec![0.0; w.len()]),
                Arg::Uniform(words),
            ],
            groups,
        );
        assert_close(&format!("conv dW {d:?}"), &f32s(&out[3]), &dw, MM.0, MM.1);
        let out = run(
            &p,
            Kernel::SumReduce,
            vec![
                Arg::F32(dyt.clone()),
                Arg::F32(vec![0.0; d.filters]),
                Arg::Uniform(vec![f, bpu, bpu, 1]),
            ],
            [f, 1, 1],
        );
        assert_close(&format!("conv db {d:?}"), &f32s(&out[1]), &db, MM.0, MM.1);
        let (words, groups) = matmul_params(k, bpu, f, [1, k], [bpu, 1], [bpu, 1], [0; 3], 0, 0);
        let out = run(
            &p,
            Kernel::Matmul,
            vec![
                Arg::F32(w.clone()),
                Arg::F32(dyt),
                Arg::F32(vec![0.0]),
                Arg::F32(vec![0.0; ckk * bp]),
                Arg::Uniform(words),
            ],
            groups,
        );
        let dcol = f32s(&out[3]);
        let out = run(
            &p,
            Kernel::Col2im,
            vec![
                Arg::F32(dcol),
                Arg::F32(vec![0.0; x.len()]),
                Arg::Uniform(geom),
            ],
            Dispatch::col2im(d.height * d.width, d.in_channels, d.batch),
        );
        assert_close(&format!("conv dX {d:?}"), &f32s(&out[1]), &dx, MM.0, MM.1);
    }
}
