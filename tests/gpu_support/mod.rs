//! Helpers shared by the GPU tests: adapter-or-skip, and llm.c-style result validation.
#![allow(dead_code)]
use gradient_garden::error::Error;
use gradient_garden::gpu::kernels::Kernel;
use gradient_garden::gpu::probe::{Arg, Probe};
use gradient_garden::spec::Activation;
use gradient_garden::tensor::Param;

/// The GPU result, or `None` when there is no adapter *and* `GARDEN_ALLOW_NO_GPU=1` (then a loud
/// SKIP line is printed). Without that variable a missing adapter fails the test.
pub fn or_skip<T>(result: Result<T, Error>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(Error::NoGpu(why)) if std::env::var("GARDEN_ALLOW_NO_GPU").as_deref() == Ok("1") => {
            eprintln!("\n==================== SKIP: no GPU adapter ({why}) ====================\n");
            None
        }
        Err(e) => panic!("GPU unavailable or failed: {e} (set GARDEN_ALLOW_NO_GPU=1 to skip)"),
    }
}

/// Burn's tolerance: `|x - y| <= max(rtol * |x + y|, atol)`. On failure prints the max difference
/// and the first mismatching indices, then panics.
pub fn assert_close(what: &str, got: &[f32], want: &[f32], rtol: f32, atol: f32) {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: length {} vs {}",
        got.len(),
        want.len()
    );
    let mut max_diff = 0.0f32;
    let mut bad = Vec::new();
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let d = (g - w).abs();
        if d.is_nan() || d > max_diff {
            max_diff = if d.is_nan() { f32::NAN } else { d };
        }
        // NaN never passes: the comparison is false for it.
        let ok = d <= (rtol * (g + w).abs()).max(atol);
        if !ok {
            bad.push(i);
        }
    }
    if !bad.is_empty() {
        let first: Vec<String> = bad
            .iter()
            .take(8)
            .map(|&i| format!("[{i}] gpu {} cpu {}", got[i], want[i]))
            .collect();
        panic!(
            "{what}: {} of {} values differ (max diff {max_diff:e}, rtol {rtol}, atol {atol}); first: {}",
            bad.len(),
            got.len(),
            first.join(", ")
        );
    }
    eprintln!("{what}: ok, {} values, max diff {max_diff:e}", got.len());
}

/// [`assert_close`] for every parameter tensor of a GPU and a CPU backend (`read_params`), in
/// state_dict order; the names must match.
pub fn assert_params_close(what: &str, gpu: &[Param], cpu: &[Param], rtol: f32, atol: f32) {
    assert_eq!(gpu.len(), cpu.len(), "{what}: parameter tensors");
    for (g, c) in gpu.iter().zip(cpu) {
        assert_eq!(g.name, c.name, "{what}: state_dict order");
        let what = format!("{what} {}", g.name);
        assert_close(&what, &g.tensor.data, &c.tensor.data, rtol, atol);
    }
}

/// Seeded values in [-1, 1) (a small LCG; the tests only need reproducible, varied inputs).
pub fn seeded(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

pub fn mnist() -> gradient_garden::data::mnist::Mnist {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    gradient_garden::data::mnist::Mnist::load_dir(&dir, "train10k").expect("www/data MNIST")
}

/// Tolerances from STYLE.md: matmul / conv / reductions, and elementwise kernels.
pub const MM: (f32, f32) = (5e-3, 1e-5);
pub const EW: (f32, f32) = (1e-5, 1e-6);

/// A probe (device + every pipeline) for single-kernel tests, or `None` on a permitted skip.
pub fn probe() -> Option<Probe> {
    let p = or_skip(pollster::block_on(Probe::new()))?;
    eprintln!("adapter: {}", p.adapter());
    Some(p)
}

/// Run one kernel and read back every buffer. A 64x64-tile matmul is also run with 32x32 tiles,
/// which sum every output in the same order and so must agree bit for bit, and with both
/// barrier-free kernels, which must agree within tolerance.
pub fn run(p: &Probe, kernel: Kernel, args: Vec<Arg>, groups: [u32; 3]) -> Vec<Vec<u32>> {
    let out = pollster::block_on(p.run(kernel, &args, groups)).expect("kernel runs");
    if kernel == Kernel::Matmul {
        let Some(Arg::Uniform(words)) = args.last() else {
            panic!("matmul params come last")
        };
        let small = [words[1].div_ceil(32), words[0].div_ceil(32), groups[2]];
        let other = pollster::block_on(p.run(Kernel::MatmulSmall, &args, small)).expect("runs");
        assert_eq!(out, other, "64x64 and 32x32 matmul tiles disagree");
        // The barrier-free variants (4x4 blocks in 32x32 or 32x16 tiles, 8x8 in 64x64 or 32x64) walk
        // K in the same order, one product (or fused multiply-add) at a time.
        let narrow = [words[1].div_ceil(16), words[0].div_ceil(32), groups[2]];
        let flat = [words[1].div_ceil(64), words[0].div_ceil(32), groups[2]];
        for (direct, grid) in [
            (Kernel::MatmulDirect, small),
            (Kernel::MatmulDirectNarrow, narrow),
            (Kernel::MatmulDirectWide, groups),
            (Kernel::MatmulDirectFlat, flat),
        ] {
            let res = pollster::block_on(p.run(direct, &args, grid)).expect("runs");
            let (got, want) = (f32s(&res[3]), f32s(&out[3]));
            let bad = got
                .iter()
                .zip(&want)
                .position(|(g, w)| (g - w).abs() > MM.0 * (g.abs() + w.abs()) + MM.1);
            assert!(
                bad.is_none(),
                "{direct:?} and tiled matmuls disagree at {bad:?}"
            );
        }
    }
    out
}

pub fn f32s(words: &[u32]) -> Vec<f32> {
    words.iter().map(|&w| f32::from_bits(w)).collect()
}

pub fn act_code(a: Activation) -> u32 {
    match a {
        Activation::Relu => 1,
        Activation::Sigmoid => 2,
        Activation::Tanh => 3,
    }
}
