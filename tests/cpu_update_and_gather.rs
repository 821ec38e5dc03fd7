//! The optimizer updates (SGD, momentum, Adam, L2) against hand-computed values, and the batch
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
