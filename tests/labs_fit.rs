//! The scaling-law fit recovers known laws from synthetic points.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::labs::fit::{fit_loglog, fit_power_law, FitPoint};

/// Sizes spread over four decades, like a width sweep's parameter counts.
fn sizes() -> Vec<f64> {
    (0..9).map(|i| 10f64.powf(2.0 + 0.5 * i as f64)).collect()
}

fn law(a: f64, alpha: f64, c: f64, noise: &[f64]) -> Vec<FitPoint> {
    sizes()
        .iter()
        .zip(noise.iter().chain(std::iter::repeat(&0.0)))
        .map(|(&x, e)| FitPoint {
            x,
            loss: (a * x.powf(-alpha) + c) * (1.0 + e),
        })
        .collect()
}

#[test]
fn pure_power_law_is_a_straight_line() {
    let fit = fit_loglog(&law(3.0, 0.4, 0.0, &[])).unwrap();
    assert!((fit.alpha - 0.4).abs() < 1e-9, "{fit:?}");
    assert!((fit.a - 3.0).abs() < 1e-6, "{fit:?}");
    assert!(fit.r2_log > 0.999_999);
    let full = fit_power_law(&law(3.0, 0.4, 0.0, &[])).unwrap();
    assert!((full.alpha - 0.4).abs() < 1e-3, "{full:?}");
    assert!(full.c < 1e-3, "{full:?}");
}

#[test]
fn recovers_exponent_and_floor_without_noise() {
    for &(a, alpha, c) in &[(5.0, 0.5, 0.1), (2.0, 0.3, 0.25), (40.0, 0.8, 0.05)] {
        let fit = fit_power_law(&law(a, alpha, c, &[])).unwrap();
        assert!(
            (fit.alpha - alpha).abs() < 1e-3 * alpha.max(1.0),
            "alpha {alpha}: {fit:?}"
        );
        assert!((fit.c - c).abs() < 1e-3, "c {c}: {fit:?}");
        assert!((fit.a - a).abs() < 1e-2 * a, "a {a}: {fit:?}");
        assert!(fit.r2_log > 0.9999, "{fit:?}");
        // The plain line misses the floor: its exponent comes out smaller than the true one.
        assert!(fit.line.alpha < alpha - 0.01, "line {:?}", fit.line);
    }
}

#[test]
fn recovers_exponent_with_noise() {
    // Fixed +-3% multiplicative noise (deterministic, alternating-ish signs).
    let noise = [0.02, -0.03, 0.01, 0.03, -0.02, -0.01, 0.02, -0.03, 0.01];
    let fit = fit_power_law(&law(5.0, 0.5, 0.1, &noise)).unwrap();
    assert!((fit.alpha - 0.5).abs() < 0.1, "{fit:?}");
    assert!((fit.c - 0.1).abs() < 0.03, "{fit:?}");
    assert!(fit.r2_log > 0.98 && fit.r2_log < 1.0, "{fit:?}");
    for p in law(5.0, 0.5, 0.1, &[]) {
        assert!(
            (fit.predict(p.x) / p.loss - 1.0).abs() < 0.05,
            "prediction at {}",
            p.x
        );
    }
}

#[test]
fn rejects_too_few_or_bad_points() {
    assert!(fit_power_law(&law(1.0, 0.5, 0.1, &[])[..2]).is_err());
    assert!(fit_loglog(&[
        FitPoint { x: 10.0, loss: 1.0 },
        FitPoint { x: 10.0, loss: 2.0 }
    ])
    .is_err());
    assert!(fit_loglog(&[
        FitPoint {
            x: 10.0,
            loss: -1.0
        },
        FitPoint { x: 20.0, loss: 2.0 }
    ])
    .is_err());
}
