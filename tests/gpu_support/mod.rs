//! Helpers shared by the GPU tests: adapter-or-skip, and llm.c-style result validation.
#![allow(dead_code)]
use gradient_garden::error::Error;

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
