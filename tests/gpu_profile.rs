//! Rough per-kernel timings for the CNN preset's second conv layer at batch 64 (each includes its
//! upload and readback). Ignored by default: `cargo test --release --test gpu_profile -- --ignored
//! --nocapture`. Prints only; speed is never asserted.
mod gpu_support;

use gpu_support::{or_skip, seeded};
use gradient_garden::gpu::kernels::{Dispatch, Kernel};
use gradient_garden::gpu::probe::{matmul_params, Arg, Probe};

#[test]
#[ignore]
fn profile_cnn_conv2_kernels() {
    let Some(p) = or_skip(pollster::block_on(Probe::new())) else {
        return;
    };
    let (b, c, h, f, k) = (64usize, 32usize, 13usize, 64usize, 3usize);
    let oh = h - k + 1;
    let plane = oh * oh;
    let bp = b * plane;
    let ckk = c * k * k;
    let x = seeded(b * c * h * h, 1);
    let w = seeded(f * ckk, 2);
    let col = seeded(ckk * bp, 3);
    let dyt = seeded(f * bp, 4);
    let time = |name: &str, kernel: Kernel, args: Vec<Arg>, groups: [u32; 3]| {
        // The best of five runs: the shared machine is noisy.
        let s = (0..5)
            .map(|_| pollster::block_on(p.time(kernel, &args, groups, 2)).unwrap())
            .fold(f64::INFINITY, f64::min);
        eprintln!("{name:>24}: {:8.2} ms", s * 1e3);
    };
    let geom: Vec<u32> = [b, c, h, h, k, 0, oh, oh].map(|v| v as u32).to_vec();
    time(
        "im2col",
        Kernel::Im2col,
        vec![
            Arg::F32(x.clone()),
            Arg::F32(vec![0.0; ckk * bp]),
            Arg::Uniform(geom.clone()),
        ],
        Dispatch::grid(ckk * bp),
    );
    let (fu, pl, kk, bpu) = (f as u32, plane as u32, ckk as u32, bp as u32);
    let (words, mut groups) = matmul_params(
        fu,
        pl,
        kk,
        [kk, 1],
        [bpu, 1],
        [pl, 1],
        [0, pl, fu * pl],
        2,
        1,
    );
    groups[2] = b as u32;
    time(
        "conv fwd matmul",
        Kernel::Matmul,
        vec![
            Arg::F32(w.clone()),
            Arg::F32(col.clone()),
            Arg::F32(vec![0.0; f]),
            Arg::F32(vec![0.0; b * f * plane]),
            Arg::Uniform(words),
        ],
        groups,
    );
    let (words, groups) = matmul_params(fu, kk, bpu, [bpu, 1], [1, bpu], [kk, 1], [0; 3], 0, 0);
    time(
        "conv dW matmul",
        Kernel::Matmul,
        vec![
            Arg::F32(dyt.clone()),
            Arg::F32(col.clone()),
            Arg::F32(vec![0.0]),
            Arg::F32(vec![0.0; f * ckk]),
            Arg::Uniform(words),
        ],
        groups,
    );
    let (words, groups) = matmul_params(kk, bpu, fu, [1, kk], [bpu, 1], [bpu, 1], [0; 3], 0, 0);
    time(
        "conv dcol matmul",
        Kernel::Matmul,
        vec![
            Arg::F32(w.clone()),
            Arg::F32(dyt.clone()),
            Arg::F32(vec![0.0]),
            Arg::F32(vec![0.0; ckk * bp]),
            Arg::Uniform(words),
        ],
        groups,
    );
    time(
        "col2im",
        Kernel::Col2im,
        vec![
            Arg::F32(col.clone()),
            Arg::F32(vec![0.0; x.len()]),
            Arg::Uniform(geom),
        ],
        Dispatch::grid(x.len()),
    );
    time(
        "transpose",
        Kernel::TransposeBatchChannel,
        vec![
            Arg::F32(dyt.clone()),
            Arg::F32(vec![0.0; dyt.len()]),
            Arg::Uniform(vec![b as u32, fu, pl]),
        ],
        Dispatch::grid(dyt.len()),
    );
    time(
        "bias sums",
        Kernel::SumReduce,
        vec![
            Arg::F32(dyt.clone()),
            Arg::F32(vec![0.0; f]),
            Arg::Uniform(vec![fu, bpu, bpu, 1]),
        ],
        [fu, 1, 1],
    );
    let (words, groups) = matmul_params(128, 128, 784, [784, 1], [1, 784], [128, 1], [0; 3], 1, 1);
    time(
        "mlp dense fwd",
        Kernel::Matmul,
        vec![
            Arg::F32(seeded(128 * 784, 5)),
            Arg::F32(seeded(128 * 784, 6)),
            Arg::F32(vec![0.0; 128]),
            Arg::F32(vec![0.0; 128 * 128]),
            Arg::Uniform(words),
        ],
        groups,
    );
}
