//! GPU profiling on the native adapter (lavapipe here, a real GPU elsewhere): per-kernel timings
//! of the CNN preset's second conv layer at batch 64 (each includes its upload and readback),
//! training throughput, a CNN step's dispatches and the matmul variants. A benchmark, not a
//! test: it prints and asserts nothing.
//!
//!     cargo run --release --example gpu_profile [conv2|throughput|dispatches|matmul]...
//!
//! With no argument it runs all four.
#[path = "../tests/gpu_support/mod.rs"]
#[allow(dead_code)]
mod gpu_support;

use gpu_support::{or_skip, seeded};
use gradient_garden::gpu::kernels::{Dispatch, Kernel};
use gradient_garden::gpu::probe::{matmul_params, Arg, Probe};

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
        Dispatch::planes(bp, ckk, 1),
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
        Dispatch::col2im(h * h, c, b),
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

/// Process CPU seconds (user + system) from /proc/self/stat: lavapipe runs the "GPU" on this
/// process's threads, so CPU time is a steadier yardstick than wall time on a shared machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of the full line are utime and stime; `after` starts at field 3.
    (ticks(11) + ticks(12)) / 100.0
}

/// Steps over consecutive index windows of a 2048-sample set, Adam 1e-3.
fn train(gpu: &mut gradient_garden::gpu::GpuBackend, batch: usize, steps: std::ops::Range<usize>) {
    use gradient_garden::backend::{Backend, TrainBatch};
    let cfg = gradient_garden::optim::OptimizerConfig::default();
    for s in steps {
        let idx: Vec<u32> = (0..batch)
            .map(|i| ((i + s * batch) % 2048) as u32)
            .collect();
        let b = TrainBatch {
            indices: &idx,
            transforms: &[],
            seed: s as u32,
        };
        gpu.train_step(&b, &cfg).unwrap();
    }
}

fn profile_training_throughput() {
    use gradient_garden::backend::Backend;
    use gradient_garden::gpu::GpuBackend;
    use gradient_garden::init::init_params;
    use gradient_garden::spec::ModelSpec;
    let data = gpu_support::mnist().take(2048);
    for (name, batch, steps) in [("mlp", 128usize, 40usize), ("cnn", 64, 8)] {
        let spec = ModelSpec::preset(name).unwrap();
        let params = init_params(&spec, 1).unwrap();
        let Some(mut gpu) = or_skip(pollster::block_on(GpuBackend::new(&spec, &params, batch)))
        else {
            return;
        };
        gpu.upload_train_set(&data.images, &data.labels).unwrap();
        train(&mut gpu, batch, 0..2);
        pollster::block_on(gpu.take_metrics()).unwrap();
        let (wall, cpu) = (std::time::Instant::now(), cpu_seconds());
        train(&mut gpu, batch, 0..steps);
        pollster::block_on(gpu.take_metrics()).unwrap();
        let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        let n = (steps * batch) as f64;
        eprintln!(
            "{name} batch {batch}: {:.0} samples/s wall, {:.0} samples per CPU-second ({:.1} ms CPU per step)",
            n / wall,
            n / cpu,
            cpu * 1e3 / steps as f64
        );
    }
}

fn profile_cnn_step_dispatches() {
    use gradient_garden::backend::{Backend, TrainBatch};
    use gradient_garden::gpu::GpuBackend;
    use gradient_garden::init::init_params;
    use gradient_garden::optim::OptimizerConfig;
    use gradient_garden::spec::ModelSpec;
    let data = gpu_support::mnist().take(256);
    let spec = ModelSpec::cnn();
    let params = init_params(&spec, 1).unwrap();
    let Some(mut gpu) = or_skip(pollster::block_on(GpuBackend::new(&spec, &params, 64))) else {
        return;
    };
    gpu.upload_train_set(&data.images, &data.labels).unwrap();
    let idx: Vec<u32> = (0..64).collect();
    let b = TrainBatch {
        indices: &idx,
        transforms: &[],
        seed: 0,
    };
    gpu.train_step(&b, &OptimizerConfig::default()).unwrap();
    let mut best: Vec<(String, f64)> = Vec::new();
    for _ in 0..3 {
        let run = pollster::block_on(gpu.profile_step()).unwrap();
        if best.is_empty() {
            best = run;
        } else {
            for (b, r) in best.iter_mut().zip(run) {
                b.1 = b.1.min(r.1);
            }
        }
    }
    let total: f64 = best.iter().map(|b| b.1).sum();
    for (name, s) in &best {
        eprintln!("{name:>48}: {:8.2} ms", s * 1e3);
    }
    eprintln!("{:>48}: {:8.2} ms", "total", total * 1e3);
}

fn profile_matmul_variants() {
    use gradient_garden::gpu::kernels::Kernel;
    use gradient_garden::gpu::probe::matmul_params;
    let Some(p) = or_skip(pollster::block_on(Probe::new())) else {
        return;
    };
    for size in [128u32, 256, 512] {
        let n = (size * size) as usize;
        let (words, _) = matmul_params(
            size,
            size,
            size,
            [size, 1],
            [1, size],
            [size, 1],
            [0; 3],
            1,
            0,
        );
        for (kernel, tile) in [(Kernel::Matmul, 64), (Kernel::MatmulSmall, 32)] {
            let args = vec![
                Arg::F32(seeded(n, 1)),
                Arg::F32(seeded(n, 2)),
                Arg::F32(vec![0.0; size as usize]),
                Arg::F32(vec![0.0; n]),
                Arg::Uniform(words.clone()),
            ];
            let groups = [size.div_ceil(tile), size.div_ceil(tile), 1];
            let iters = (512 / size as usize).pow(2).max(1) * 2;
            let cpu = cpu_seconds();
            let wall = pollster::block_on(p.time(kernel, &args, groups, iters)).unwrap();
            let cpu = (cpu_seconds() - cpu) / iters as f64;
            let flop = 2.0 * (size as f64).powi(3);
            eprintln!(
                "matmul {size}^3 {kernel:?}: {:.2} GFLOP/s wall, {:.2} GFLOP per CPU-second",
                flop / wall / 1e9,
                flop / cpu / 1e9
            );
        }
    }
}

fn main() {
    let all = ["conv2", "throughput", "dispatches", "matmul"];
    let asked: Vec<String> = std::env::args().skip(1).collect();
    let asked: Vec<&str> = if asked.is_empty() {
        all.to_vec()
    } else {
        asked.iter().map(String::as_str).collect()
    };
    for name in asked {
        match name {
            "conv2" => profile_cnn_conv2_kernels(),
            "throughput" => profile_training_throughput(),
            "dispatches" => profile_cnn_step_dispatches(),
            "matmul" => profile_matmul_variants(),
            other => eprintln!("unknown profile '{other}' (one of {all:?})"),
        }
    }
}
