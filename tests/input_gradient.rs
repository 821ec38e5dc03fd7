//! The input gradient (`Inference::input_gradient`, the model's backward pass run down to the
//! pixels) against central finite differences for both presets, and what is built on it:
//! integrated gradients' completeness and the adversarial nudge on real t10k digits.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::cpu::Inference;
use gradient_garden::data::mnist::Mnist;
use gradient_garden::explain::{nudge, saliency, Method, NudgeConfig};
use gradient_garden::init::init_params;
use gradient_garden::spec::{LayerSpec, ModelSpec, CLASSES, IMAGE_PIXELS};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn t10k(n: usize) -> Mnist {
    Mnist::load_dir(&root().join("www/data"), "t10k")
        .unwrap()
        .take(n)
}

fn image(data: &Mnist, i: usize) -> Vec<f32> {
    data.images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS]
        .iter()
        .map(|&b| b as f32 / 255.0)
        .collect()
}

fn shipped_cnn() -> Inference {
    let bytes = std::fs::read(root().join("www/models/cnn.safetensors")).unwrap();
    Inference::from_safetensors(&bytes).unwrap()
}

/// A preset with init weights, small nonzero biases and, when `smooth`, tanh for every ReLU.
/// Finite differences need a smooth function: a ReLU whose input crosses 0 within +-eps, or a
/// max pool whose winner changes, makes the quotient average two one-sided slopes (measured on
/// the ReLU CNN: such pixels drift toward the backward value as eps shrinks to 2e-4).
fn init_model(name: &str, smooth: bool) -> Inference {
    let mut spec = ModelSpec::preset(name).unwrap();
    if smooth {
        for layer in spec.layers.iter_mut() {
            if matches!(layer, LayerSpec::Relu) {
                *layer = LayerSpec::Tanh;
            }
        }
    }
    let mut params = init_params(&spec, 7).unwrap();
    for p in params.iter_mut().filter(|p| p.name.ends_with("bias")) {
        for (i, b) in p.tensor.data.iter_mut().enumerate() {
            *b = 0.05 * ((i as f32 * 1.7).sin() + 0.5);
        }
    }
    Inference::new(&spec, &params).unwrap()
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

/// Central differences of logit `t` at pixels spread over the image (the digit's strokes and
/// the background alike) against the backward pass, for two images and two targets.
/// `allowed`: the fraction of checked pixels that may miss (kinks; 0 for the smooth models).
fn check_against_differences(model: &mut Inference, what: &str, allowed: f32) {
    let data = t10k(2);
    // A faint texture over the digits: on a flat black background every pooling window ties
    // and every conv output is equal, so a pixel's +eps and -eps pick different winners and the
    // difference quotient averages two one-sided slopes (max pool is not differentiable there).
    let images: Vec<f32> = (0..2)
        .flat_map(|i| image(&data, i))
        .enumerate()
        // Kept inside [0.005, 0.995] so x +- eps stays a valid image (the engine refuses pixels
        // outside [0, 1]).
        .map(|(j, p)| 0.005 + 0.99 * (0.9 * p + 0.1 * (((j * 7919) % 1000) as f32 / 1000.0)))
        .collect();
    let targets = [
        data.labels[0] as usize,
        (data.labels[1] as usize + 3) % CLASSES,
    ];
    let got = model.input_gradient(&images, &targets).unwrap();
    assert_eq!(got.gradient.len(), 2 * IMAGE_PIXELS);
    // Small: the smooth CNN's quotient still bends at 5e-3 (30 of 122 pixels off, max pool
    // winners switching) and agrees at 2e-4, where f32 rounding of these small logits is ~1e-4.
    let eps = 2e-4;
    let (mut worst, mut bad) = (0.0f32, Vec::new());
    for k in 0..2 {
        let x = &images[k * IMAGE_PIXELS..(k + 1) * IMAGE_PIXELS];
        for p in (0..IMAGE_PIXELS).step_by(13) {
            let logit_at = |model: &mut Inference, d: f32| {
                let mut y = x.to_vec();
                y[p] += d;
                model.logits(&y).unwrap()[targets[k]]
            };
            let fd = (logit_at(model, eps) - logit_at(model, -eps)) / (2.0 * eps);
            let g = got.gradient[k * IMAGE_PIXELS + p];
            let diff = (g - fd).abs();
            worst = worst.max(diff);
            if diff > 1e-3 + 1e-2 * fd.abs() {
                bad.push((k, p, g, fd));
            }
        }
    }
    let nonzero = got.gradient.iter().filter(|g| g.abs() > 1e-4).count();
    assert!(
        nonzero > 100,
        "{what}: only {nonzero} pixels have a gradient"
    );
    let checked = 2 * IMAGE_PIXELS.div_ceil(13);
    assert!(
        bad.len() as f32 <= allowed * checked as f32,
        "{what}: {} of {checked} pixels off, max diff {worst}, (image, pixel, backward, fd): {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    println!(
        "{what}: {} of {checked} pixels off (kinks), max diff {worst}",
        bad.len()
    );
}

#[test]
fn input_gradient_matches_finite_differences_mlp() {
    check_against_differences(&mut init_model("mlp", true), "mlp (tanh)", 0.0);
    check_against_differences(&mut init_model("mlp", false), "mlp (relu)", 0.05);
}

#[test]
fn input_gradient_matches_finite_differences_cnn() {
    check_against_differences(&mut init_model("cnn", true), "cnn (tanh)", 0.0);
    check_against_differences(&mut init_model("cnn", false), "cnn (relu)", 0.1);
    // The shipped CNN's logits are large enough that f32 rounding swamps a 2e-4 quotient; its
    // gradient is held to integrated gradients' completeness below instead.
}

#[test]
fn integrated_gradients_sum_to_the_logit_difference() {
    let mut model = shipped_cnn();
    let data = t10k(5);
    let black = vec![0.0; IMAGE_PIXELS];
    for i in 0..5 {
        let x = image(&data, i);
        let ig = saliency(&mut model, &x, Method::Integrated { steps: 128 }, None).unwrap();
        let t = ig.target;
        let want = model.logits(&x).unwrap()[t] - model.logits(&black).unwrap()[t];
        let sum: f32 = ig.values.iter().sum();
        assert!(
            (sum - want).abs() <= 0.01 * want.abs(),
            "image {i} class {t}: IG sums to {sum}, logit difference {want}"
        );
    }
}

#[test]
fn smoothgrad_and_gradient_explain_the_predicted_class() {
    let mut model = shipped_cnn();
    let x = image(&t10k(1), 0);
    let plain = saliency(&mut model, &x, Method::Gradient, None).unwrap();
    assert_eq!(plain.target, argmax(&model.logits(&x).unwrap()));
    let direct = model.input_gradient(&x, &[plain.target]).unwrap().gradient;
    assert_eq!(plain.values, direct);
    let smooth = saliency(&mut model, &x, Method::parse("smoothgrad").unwrap(), None).unwrap();
    // Averaging over noise keeps the sign of the strongest evidence but is not the same map.
    assert_ne!(smooth.values, plain.values);
    let dot: f32 = smooth
        .values
        .iter()
        .zip(&plain.values)
        .map(|(a, b)| a * b)
        .sum();
    assert!(dot > 0.0, "SmoothGrad points away from the gradient: {dot}");
}

#[test]
fn adversarial_nudge_changes_confident_digits_to_the_target() {
    let mut model = shipped_cnn();
    let data = t10k(40);
    let max_eps = 0.3;
    let mut budgets = Vec::new();
    for i in 0..data.len() {
        let x = image(&data, i);
        let probs = model.probabilities(&x).unwrap();
        let label = data.labels[i] as usize;
        if argmax(&probs) != label || probs[label] < 0.95 {
            continue; // only confident, correct digits
        }
        let target = (label + 1) % CLASSES;
        let found = nudge(&mut model, &x, target, NudgeConfig::new(max_eps)).unwrap();
        assert!(
            found.success,
            "digit {i} ({label}) -> {target}: no success within {max_eps}"
        );
        assert!(found.eps > 0.0 && found.eps <= max_eps);
        let linf = found
            .pixels
            .iter()
            .zip(&x)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(
            linf <= found.eps + 1e-6,
            "perturbation {linf} exceeds the budget {}",
            found.eps
        );
        assert!(found.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
        // Checked by a fresh forward pass, not the search's own bookkeeping.
        let now = model.probabilities(&found.pixels).unwrap();
        assert_eq!(
            argmax(&now),
            target,
            "digit {i}: the nudged image is not a {target}"
        );
        assert_eq!(now, found.probabilities);
        budgets.push((i, label, target, found.eps));
        if budgets.len() == 10 {
            break;
        }
    }
    assert_eq!(budgets.len(), 10, "ten confident digits among the first 40");
    println!("budgets (t10k index, label, target, eps): {budgets:?}");
}
