//! The optimizer updates (SGD, momentum, Adam, L2) against hand-computed values, the last
//! update's norm recomputed from the optimizer's state against the change itself, and the batch
//! gather that copies and warps images.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::cpu::*;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};

fn close3(got: &[f32], want: [f32; 3]) {
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-5, "{got:?} vs {want:?}");
    }
}

#[test]
fn optimizer_steps_match_hand_computed_values() {
    let w0 = [1.0f32, -2.0, 0.5];
    let g = [0.1f32, 0.2, -0.3];
    let cfg = |kind, weight_decay| OptimizerConfig {
        kind,
        lr: 0.1,
        momentum: 0.9,
        weight_decay,
        ..OptimizerConfig::default()
    };

    let mut w = w0;
    sgd_update(&mut w, &g, 0.1, 0.0);
    close3(&w, [0.99, -2.02, 0.53]);
    let mut w = w0;
    sgd_update(&mut w, &g, 0.1, 0.01); // g' = g + 0.01 w = [0.11, 0.18, -0.295]
    close3(&w, [0.989, -2.018, 0.5295]);

    // Momentum, two steps with the same gradient: v1 = g, v2 = 1.9 g.
    let mut state = OptimizerState::new(&[3]);
    let mut w = w0;
    for _ in 0..2 {
        state.begin_step(&cfg(OptimizerKind::Momentum, 0.0));
        state.update(0, &mut w, &g, &cfg(OptimizerKind::Momentum, 0.0));
    }
    close3(&w, [0.971, -2.058, 0.587]);

    // Adam: step 1 moves each weight by lr * sign(g); step 2 with another gradient
    // (values worked out by hand from m, v and the bias corrections 0.19 and 0.001999).
    let mut state = OptimizerState::new(&[3]);
    let mut w = w0;
    let adam = cfg(OptimizerKind::Adam, 0.0);
    state.begin_step(&adam);
    state.update(0, &mut w, &g, &adam);
    close3(&w, [0.9, -2.1, 0.6]);
    state.begin_step(&adam);
    state.update(0, &mut w, &[-0.1, 0.4, 0.0], &adam);
    close3(&w, [0.905_263_2, -2.196_518_2, 0.667_005_8]);

    // Changing the kind resets the state: momentum again starts with v = g.
    let sgd = cfg(OptimizerKind::Sgd, 0.0);
    state.begin_step(&sgd);
    let mut w = w0;
    state.update(0, &mut w, &g, &sgd);
    let mom = cfg(OptimizerKind::Momentum, 0.0);
    state.begin_step(&mom);
    let mut w = w0;
    state.update(0, &mut w, &g, &mom);
    close3(&w, [0.99, -2.02, 0.53]);
}

#[test]
fn the_last_update_norm_from_the_state_is_the_change_of_the_weights() {
    // 1003 values in about [-1, 1), from a small LCG.
    let mut x = 12345u32;
    let mut values = |n: usize, scale: f32| -> Vec<f32> {
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                scale * ((x >> 8) as f32 / (1u32 << 23) as f32 - 1.0)
            })
            .collect()
    };
    let n = 1003;
    for kind in [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Adam,
    ] {
        for (weight_decay, l1) in [(0.0, 0.0), (0.05, 0.0), (0.0, 0.01)] {
            let cfg = OptimizerConfig {
                kind,
                lr: 0.01,
                momentum: 0.9,
                weight_decay,
                l1,
                ..OptimizerConfig::default()
            };
            let mut state = OptimizerState::new(&[n]);
            assert_eq!(
                state.last_update_norm(0, &[0.0; 3], &[0.0; 3], &cfg),
                0.0,
                "no step yet"
            );
            let mut w = values(n, 1.0);
            let mut before = w.clone();
            let mut g = Vec::new();
            for _ in 0..3 {
                g = values(n, 0.5);
                before.clone_from(&w);
                state.begin_step(&cfg);
                state.update(0, &mut w, &g, &cfg);
            }
            let change = w
                .iter()
                .zip(&before)
                .map(|(a, b)| ((a - b) as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            let norm = state.last_update_norm(0, &w, &g, &cfg) as f64;
            assert!(change > 1e-3, "{kind:?}: the weights moved ({change})");
            // SGD's decay and L1 terms are taken from the new weights: off by a relative lr * wd,
            // and by 2 lr l1 for each weight the step moved across zero (a few here).
            let tolerance =
                1e-4 + 2.0 * (cfg.lr * weight_decay) as f64 + if l1 > 0.0 { 1e-3 } else { 0.0 };
            assert!(
                (norm - change).abs() <= tolerance * change,
                "{kind:?} wd {weight_decay} l1 {l1}: {norm} from the state, {change} measured"
            );
        }
    }
}

#[test]
fn gather_copies_and_warps_images() {
    // Two 28x28 images: a horizontal ramp and a single bright pixel.
    let mut images = vec![0u8; 2 * 784];
    for y in 0..28 {
        for x in 0..28 {
            images[y * 28 + x] = (x * 9) as u8;
        }
    }
    images[784 + 10 * 28 + 12] = 255;
    let labels = [3u8, 8];
    let mut out = vec![0.0; 2 * 784];
    let mut got_labels = [0u8; 2];
    gather_batch(&mut out, &mut got_labels, &images, &labels, &[1, 0], &[]).unwrap();
    assert_eq!(got_labels, [8, 3]);
    assert_eq!(out[10 * 28 + 12], 1.0);
    assert_eq!(out[784 + 5], 45.0 / 255.0);

    // The identity transform reproduces the plain copy exactly.
    let identity = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    let mut warped = vec![0.0; 2 * 784];
    gather_batch(
        &mut warped,
        &mut got_labels,
        &images,
        &labels,
        &[1, 0],
        &[identity; 2],
    )
    .unwrap();
    assert_eq!(warped, out);

    // Shift by +2 columns (output (x, y) reads source (x - 2, y)), and half a pixel down.
    let shift = [1.0, 0.0, -2.0, 0.0, 1.0, -0.5];
    gather_batch(
        &mut warped,
        &mut got_labels,
        &images,
        &labels,
        &[1, 0],
        &[shift; 2],
    )
    .unwrap();
    assert_eq!(warped[10 * 28 + 14], 0.5); // half of the bright pixel from row 10 ...
    assert_eq!(warped[11 * 28 + 14], 0.5); // ... and half from row 11's source, row 10
    assert_eq!(warped[12 * 28 + 14], 0.0);
    // The ramp: columns 0 and 1 read outside the image; row 0 blends with the zero row above.
    assert_eq!(warped[784 + 5 * 28], 0.0);
    assert!((warped[784 + 5 * 28 + 7] - 45.0 / 255.0).abs() < 1e-6);
    assert!((warped[784 + 7] - 0.5 * 45.0 / 255.0).abs() < 1e-6);

    assert!(gather_batch(&mut out, &mut got_labels, &images, &labels, &[0, 2], &[]).is_err());
    assert!(gather_batch(
        &mut out,
        &mut got_labels,
        &images,
        &labels,
        &[0, 1],
        &[identity]
    )
    .is_err());
}
