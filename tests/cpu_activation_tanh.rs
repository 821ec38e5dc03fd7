//! The CPU's tanh (a rational approximation, `cpu::activation::tanh`) and the sigmoid made from
//! it, against the exact values in f64, over f32 inputs spread by bit pattern across every
//! magnitude, and at the edges.
use gradient_garden::cpu::activation::{activation_backward, activation_forward, tanh};
use gradient_garden::spec::Activation;

#[test]
fn tanh_is_within_a_few_ulp_of_the_exact_value_everywhere() {
    let mut worst = (0.0f64, 0.0f32);
    // Every 4099th bit pattern from the smallest subnormal to infinity, both signs (~1M inputs).
    for bits in (1u32..0x7f80_0000).step_by(4099) {
        for x in [f32::from_bits(bits), -f32::from_bits(bits)] {
            let err = (tanh(x) as f64 - (x as f64).tanh()).abs();
            if err > worst.0 {
                worst = (err, x);
            }
        }
    }
    assert!(worst.0 <= 5e-7, "error {:e} at x = {:e}", worst.0, worst.1);
}

#[test]
fn tanh_edges_keep_sign_zero_saturation_and_nan() {
    assert_eq!(tanh(0.0).to_bits(), 0.0f32.to_bits());
    assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
    assert_eq!(tanh(1e-30), 1e-30);
    assert!((tanh(f32::INFINITY) - 1.0).abs() < 1e-6);
    assert!((tanh(f32::NEG_INFINITY) + 1.0).abs() < 1e-6);
    assert!(tanh(f32::NAN).is_nan());
    // Odd, never past +-1, and monotone up to a few ulp (the rational function wiggles by 4e-7
    // just below its clamp at 7.9) over a fine sweep of [-10, 10].
    let mut last = -1.0f32;
    for i in -100_000..=100_000 {
        let x = i as f32 * 1e-4;
        assert_eq!(tanh(-x), -tanh(x));
        assert!(tanh(x).abs() <= 1.0);
        assert!(tanh(x) >= last - 5e-7, "not monotone at {x}");
        last = last.max(tanh(x));
    }
}

#[test]
fn the_tanh_layer_uses_it_and_its_gradient_matches_finite_differences() {
    let x: Vec<f32> = (0..64).map(|i| (i as f32 - 32.0) * 0.17).collect();
    let mut y = vec![0.0; x.len()];
    activation_forward(Activation::Tanh, &mut y, &x);
    let dy = vec![1.0; x.len()];
    let mut dx = vec![0.0; x.len()];
    activation_backward(Activation::Tanh, &mut dx, &y, &dy);
    for (i, &xi) in x.iter().enumerate() {
        assert_eq!(y[i], tanh(xi));
        let h = 1e-3f64;
        let fd = (((xi as f64) + h).tanh() - ((xi as f64) - h).tanh()) / (2.0 * h);
        assert!(
            (dx[i] as f64 - fd).abs() < 1e-5,
            "x = {xi}: {} vs {fd}",
            dx[i]
        );
    }
}

#[test]
fn sigmoid_from_tanh_is_within_a_few_ulp_of_the_exact_value() {
    let exact = |x: f64| 1.0 / (1.0 + (-x).exp());
    let mut worst = (0.0f64, 0.0f32);
    let xs: Vec<f32> = (1u32..0x7f80_0000)
        .step_by(4099)
        .flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
        .collect();
    let mut y = vec![0.0; xs.len()];
    activation_forward(Activation::Sigmoid, &mut y, &xs);
    for (&x, &y) in xs.iter().zip(&y) {
        assert!((0.0..=1.0).contains(&y), "sigmoid({x}) = {y}");
        let err = (y as f64 - exact(x as f64)).abs();
        if err > worst.0 {
            worst = (err, x);
        }
    }
    assert!(worst.0 <= 3e-7, "error {:e} at x = {:e}", worst.0, worst.1);
}
