//! What the gemm tests share: deterministic inputs, an f64 triple-loop reference with the
//! bias/ReLU epilogue, llm.c-style closeness checks, and `check_all`, which runs every kernel
//! over every odd shape, transpose combination and accumulate flag against the reference.
use gradient_garden::cpu::gemm::{sgemm_epilogue, sgemm_portable, Bias, Epilogue};

const RTOL: f32 = 5e-3;
const ATOL: f32 = 1e-5;

/// Deterministic values in [-1, 1) (a small LCG, so the test needs no RNG crate).
pub fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Stores the logical `rows x cols` matrix `logical` in the layout the kernel is told about:
/// as is, or transposed (`[cols, rows]`).
pub fn store(logical: &[f32], rows: usize, cols: usize, trans: bool) -> Vec<f32> {
    if !trans {
        return logical.to_vec();
    }
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = logical[r * cols + c];
        }
    }
    out
}

/// `c0 (if accumulate) + a . b + bias`, then ReLU, in f64 on logical (untransposed) matrices.
#[allow(clippy::too_many_arguments)]
pub fn reference(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    c0: &[f32],
    accumulate: bool,
    e: &Epilogue,
) -> Vec<f32> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s: f64 = if accumulate {
                c0[i * n + j] as f64
            } else {
                0.0
            };
            for p in 0..k {
                s += a[i * k + p] as f64 * b[p * n + j] as f64;
            }
            s += match e.bias {
                Bias::None => 0.0,
                Bias::PerRow(bias) => bias[i] as f64,
                Bias::PerCol(bias) => bias[j] as f64,
            };
            if e.relu {
                s = s.max(0.0);
            }
            out[i * n + j] = s as f32;
        }
    }
    out
}

/// Burn's tolerance `|x - y| <= max(RTOL * |x + y|, ATOL)`; on failure prints the max difference
/// and the first mismatching indices (llm.c's `validate_result`).
pub fn assert_close(got: &[f32], want: &[f32], n: usize, what: &str) {
    assert_eq!(got.len(), want.len());
    let mut max_diff = 0.0f32;
    let mut bad = Vec::new();
    for (idx, (g, w)) in got.iter().zip(want).enumerate() {
        let diff = (g - w).abs();
        max_diff = max_diff.max(diff);
        // NaN never passes.
        if diff.is_nan() || diff > (RTOL * (g + w).abs()).max(ATOL) {
            bad.push(idx);
        }
    }
    if !bad.is_empty() {
        let first: Vec<String> = bad
            .iter()
            .take(5)
            .map(|&i| format!("[{}, {}] got {} want {}", i / n, i % n, got[i], want[i]))
            .collect();
        panic!(
            "{what}: {} mismatches, max diff {max_diff:e}; first: {}",
            bad.len(),
            first.join("; ")
        );
    }
}

type Gemm = fn(usize, usize, usize, &[f32], bool, &[f32], bool, &mut [f32], bool, Epilogue);

#[allow(clippy::too_many_arguments)]
fn dispatched(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    at: bool,
    b: &[f32],
    bt: bool,
    c: &mut [f32],
    acc: bool,
    e: Epilogue,
) {
    sgemm_epilogue(m, k, n, a, at, b, bt, c, acc, e)
}

#[cfg(not(target_arch = "wasm32"))]
const KERNELS: [(&str, Gemm); 2] = [("dispatched", dispatched), ("portable", sgemm_portable)];
/// In wasm also the unfused simd128 kernel: in the relaxed-SIMD build (scripts/wasm_builds.sh)
/// the dispatched one fuses its multiply-adds, and both must hold to the reference.
#[cfg(target_arch = "wasm32")]
const KERNELS: [(&str, Gemm); 3] = [
    ("dispatched", dispatched),
    ("portable", sgemm_portable),
    ("unfused", gradient_garden::cpu::gemm::sgemm_unfused),
];

/// Shapes chosen to hit every edge: 1x1x1, m/n not multiples of the 4x8 / 6x16 tiles, k past
/// one and two KC=256 blocks, m past two MC=96 blocks, n past two NC=2048 blocks, the training
/// shapes.
const SHAPES: [(usize, usize, usize); 14] = [
    (1, 1, 1),
    (1, 7, 1),
    (2, 3, 17),
    (33, 17, 5),
    (7, 129, 65),
    (6, 16, 16),
    (13, 300, 31),
    (97, 257, 19),
    (100, 9, 33),
    (32, 9, 676),
    (128, 784, 10),
    (5, 600, 200),
    (200, 3, 7),
    (3, 5, 4200),
];

pub fn check_all(e_for: impl Fn(usize, usize) -> (Vec<f32>, bool, bool)) {
    for (name, gemm) in KERNELS {
        for (si, &(m, k, n)) in SHAPES.iter().enumerate() {
            let a = values(m * k, 10 + si as u64);
            let b = values(k * n, 20 + si as u64);
            let c0 = values(m * n, 30 + si as u64);
            let (bias, per_row, relu) = e_for(m, n);
            let epilogue = Epilogue {
                bias: match (bias.is_empty(), per_row) {
                    (true, _) => Bias::None,
                    (false, true) => Bias::PerRow(&bias),
                    (false, false) => Bias::PerCol(&bias),
                },
                relu,
            };
            for at in [false, true] {
                for bt in [false, true] {
                    for acc in [false, true] {
                        let a_s = store(&a, m, k, at);
                        let b_s = store(&b, k, n, bt);
                        let mut c = c0.clone();
                        gemm(m, k, n, &a_s, at, &b_s, bt, &mut c, acc, epilogue);
                        let want = reference(m, k, n, &a, &b, &c0, acc, &epilogue);
                        let what = format!(
                            "{name} m={m} k={k} n={n} a_trans={at} b_trans={bt} accumulate={acc} {epilogue:?}"
                        );
                        assert_close(&c, &want, n, &what);
                    }
                }
            }
        }
    }
}
