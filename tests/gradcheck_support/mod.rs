//! Finite-difference helpers the CPU gradient checks share (`mod gradcheck_support;`).
#![allow(dead_code)]

pub const EPS: f32 = 1e-3;
pub const RTOL: f32 = 1e-2;
pub const ATOL: f32 = 1e-3;

/// Deterministic values in [-1, 1) (xorshift), so failures reproduce.
pub fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Fails with the max difference and the first mismatching indices (llm.c's `validate_result`).
pub fn assert_close(what: &str, analytic: &[f32], numeric: &[f32]) {
    assert_eq!(analytic.len(), numeric.len(), "{what}: lengths differ");
    let mut bad = Vec::new();
    let mut max_diff = 0.0f32;
    for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let diff = (a - n).abs();
        max_diff = max_diff.max(diff);
        if diff.is_nan() || diff > ATOL + RTOL * n.abs() {
            bad.push((i, a, n));
        }
    }
    assert!(
        bad.is_empty(),
        "{what}: {} of {} mismatch (max diff {max_diff}); first: {:?}",
        bad.len(),
        analytic.len(),
        &bad[..bad.len().min(5)]
    );
}

/// Central differences of the scalar `f` with respect to every element of `x`.
pub fn numeric_grad(x: &[f32], f: impl FnMut(&[f32]) -> f64) -> Vec<f32> {
    numeric_grad_eps(x, EPS, f)
}

pub fn numeric_grad_eps(x: &[f32], eps: f32, mut f: impl FnMut(&[f32]) -> f64) -> Vec<f32> {
    let mut x = x.to_vec();
    (0..x.len())
        .map(|i| {
            let orig = x[i];
            x[i] = orig + eps;
            let plus = f(&x);
            x[i] = orig - eps;
            let minus = f(&x);
            x[i] = orig;
            ((plus - minus) / (2.0 * (eps as f64))) as f32
        })
        .collect()
}

/// The scalar `sum(y * r)`: its gradient with respect to `y` is the fixed random `r`.
pub fn project(y: &[f32], r: &[f32]) -> f64 {
    y.iter().zip(r).map(|(&a, &b)| a as f64 * b as f64).sum()
}
