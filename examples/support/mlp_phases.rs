//! The phases of an MLP training step (the `mlp` preset: 784 -> 128 -> ReLU -> 10, softmax
//! cross-entropy, Adam, batch 128) on the CPU backend, each timed alone with the functions the
//! backend calls, then whole steps through `CpuBackend` itself: shared by
//! `examples/mlp_profile.rs` (native) and `tests/wasm_mlp_bench.rs` (Chromium, on the wasm
//! kernel the page runs). "step minus phases" is what the backend spends outside the rows
//! above it (bookkeeping, copies).
use gradient_garden::backend::{Backend, TrainBatch};
use gradient_garden::cpu::zero_columns::{active_columns, set_skipping};
use gradient_garden::cpu::{
    activation_backward, activation_forward, adam_update, dense_backward, dense_forward,
    dense_weight_gradient, gather_batch, softmax_cross_entropy, CpuBackend,
};
use gradient_garden::data::mnist::Mnist;
use gradient_garden::init::init_params;
use gradient_garden::optim::OptimizerConfig;
use gradient_garden::spec::{Activation, ModelSpec};
use std::fmt::Write;

use crate::timing::{fastest_ms, values, Clock, Table};

const BATCH: usize = 128;
const IN: usize = 784;
const HIDDEN: usize = 128;
const OUT: usize = 10;
/// How many real digits (the first of t10k, shipped in www/data) the batches draw from: the
/// first layer's products skip the pixels that are black in every image of a batch
/// (`cpu::zero_columns`), so the work depends on real images.
const SET: usize = 2048;
const TABLE: Table = Table {
    step: "MLP",
    batch: BATCH,
    share_header: "share of step",
    decimals: 3,
};

/// A batch's sample indices, a different spread of the set for each `step`.
fn indices(step: usize) -> Vec<u32> {
    (0..BATCH)
        .map(|i| ((i * 131 + step * 17) % SET) as u32)
        .collect()
}

/// Times every phase and returns the report as markdown.
pub fn report(clock: &Clock) -> String {
    // Rounds of about 1 ms: several phases take a few us, near the browser's clock tick.
    let time = |f: &mut dyn FnMut()| fastest_ms(clock, 1.0, f);
    let relu = Activation::Relu;
    let mut rows: Vec<(&str, f64)> = Vec::new();

    let digits = Mnist::from_idx(
        include_bytes!("../../www/data/t10k-images-idx3-ubyte.gz"),
        include_bytes!("../../www/data/t10k-labels-idx1-ubyte.gz"),
    )
    .expect("the shipped t10k files parse")
    .take(SET);
    let (images, labels) = (digits.images, digits.labels);
    let batch_indices = indices(0);
    let mut x = vec![0.0; BATCH * IN];
    let mut batch_labels = vec![0u8; BATCH];
    rows.push((
        "gather (u8 -> f32)",
        time(&mut || {
            gather_batch(
                &mut x,
                &mut batch_labels,
                &images,
                &labels,
                &batch_indices,
                &[],
            )
            .unwrap()
        }),
    ));

    // ---- forward
    let (w1, b1, w2, b2) = (
        values(HIDDEN * IN, 0.2),
        values(HIDDEN, 0.4),
        values(OUT * HIDDEN, 0.6),
        values(OUT, 0.8),
    );
    let (mut a1, mut h1, mut logits) = (
        vec![0.0; BATCH * HIDDEN],
        vec![0.0; BATCH * HIDDEN],
        vec![0.0; BATCH * OUT],
    );
    rows.push((
        "fwd dense1 (784 -> 128, + bias)",
        time(&mut || dense_forward(&mut a1, &x, &w1, &b1, BATCH, IN, HIDDEN)),
    ));
    rows.push((
        "fwd relu",
        time(&mut || activation_forward(relu, &mut h1, &a1)),
    ));
    rows.push((
        "fwd dense2 (128 -> 10, + bias)",
        time(&mut || dense_forward(&mut logits, &h1, &w2, &b2, BATCH, HIDDEN, OUT)),
    ));
    let mut dlogits = vec![0.0; BATCH * OUT];
    rows.push((
        "loss (softmax cross-entropy)",
        time(&mut || {
            softmax_cross_entropy(&mut dlogits, &logits, &batch_labels);
        }),
    ));

    // ---- backward
    let (mut gw2, mut gb2, mut dh1) = (
        vec![0.0; OUT * HIDDEN],
        vec![0.0; OUT],
        vec![0.0; BATCH * HIDDEN],
    );
    rows.push((
        "bwd dense2 (dx, dW, db)",
        time(&mut || {
            dense_backward(
                Some(&mut dh1),
                &mut gw2,
                &mut gb2,
                &dlogits,
                &h1,
                &w2,
                BATCH,
                HIDDEN,
                OUT,
            )
        }),
    ));
    let mut da1 = vec![0.0; BATCH * HIDDEN];
    rows.push((
        "bwd relu",
        time(&mut || activation_backward(relu, &mut da1, &h1, &dh1)),
    ));
    let (mut gw1, mut gb1) = (vec![0.0; HIDDEN * IN], vec![0.0; HIDDEN]);
    let dense1_bwd =
        time(&mut || dense_backward(None, &mut gw1, &mut gb1, &da1, &x, &w1, BATCH, IN, HIDDEN));
    // As dense_backward runs it: over the lit pixels alone in the browser, else over the
    // pixels that are not black in every image.
    let dw_mm = time(&mut || dense_weight_gradient(&mut gw1, &da1, &x, BATCH, IN, HIDDEN));
    rows.push(("bwd dense1 matmul dW = dy^T.x", dw_mm));
    rows.push(("bwd dense1 bias gradient", dense1_bwd - dw_mm));

    // ---- update: Adam over every parameter
    let cfg = OptimizerConfig::default();
    let mut params: Vec<[Vec<f32>; 4]> = [HIDDEN * IN, HIDDEN, OUT * HIDDEN, OUT]
        .iter()
        .map(|&n| [values(n, 0.1), vec![0.0; n], vec![0.0; n], values(n, 0.2)])
        .collect();
    let mut t = 0;
    rows.push((
        "update (Adam, all parameters)",
        time(&mut || {
            t += 1;
            for [w, m, v, g] in params.iter_mut() {
                adam_update(w, m, v, g, t, &cfg);
            }
        }),
    ));
    let phases: f64 = rows.iter().map(|r| r.1).sum();

    // ---- whole steps through the backend
    let spec = ModelSpec::preset("mlp").unwrap();
    let init = init_params(&spec, 1).unwrap();
    let mut backend = CpuBackend::new(&spec, &init, BATCH).unwrap();
    backend.upload_train_set(&images, &labels).unwrap();
    // Whole steps vary more than their phases (each is several ms of other programs' chances
    // to interrupt): four times the rounds.
    let steps_clock = Clock {
        now_ms: clock.now_ms,
        rounds: 4 * clock.rounds,
    };
    let time = |f: &mut dyn FnMut()| fastest_ms(&steps_clock, 1.0, f);
    let mut step = 0;
    let mut next = || {
        step += 1;
        indices(step)
    };
    let mut step_with = |skipping: bool| {
        set_skipping(skipping);
        let ms = time(&mut || {
            let idx = next();
            let b = TrainBatch {
                indices: &idx,
                transforms: &[],
                seed: 1,
            };
            backend.train_step(&b, &cfg).unwrap();
        });
        set_skipping(true);
        ms
    };
    // Interleaved, so a slower stretch of the machine does not land on one of them only.
    let (mut step_ms, mut dense_step_ms) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..2 {
        step_ms = step_ms.min(step_with(true));
        dense_step_ms = dense_step_ms.min(step_with(false));
    }
    // Metrics pile up one per step; drop them as the page's trainer does.
    let _ = pollster_free_take(&mut backend);
    let idx = indices(3);
    let b = TrainBatch {
        indices: &idx,
        transforms: &[],
        seed: 1,
    };
    let mut part = |range: std::ops::Range<usize>| {
        time(&mut || {
            backend.keep_part_gradients(&b, range.clone()).unwrap();
        })
    };
    let part128 = part(0..BATCH);
    let part64 = part(0..BATCH / 2);
    let other = vec![0.0; backend.param_len()];
    let half = backend.keep_part_gradients(&b, BATCH / 2..BATCH).unwrap();
    let apply = time(&mut || {
        backend.keep_part_gradients(&b, 0..BATCH / 2).unwrap();
        backend.apply_adding(&other, half, &cfg).unwrap();
    }) - part64;

    let (mut bits, mut cols) = (Vec::new(), Vec::new());
    active_columns(&x, IN, &mut bits, &mut cols);
    let mut out = String::new();
    writeln!(
        out,
        "Real digits: {} of the {IN} pixels are not black in every image of the timed batch; \
         an image lights {:.0} of them on average.",
        cols.len(),
        x.iter().filter(|&&v| v != 0.0).count() as f64 / BATCH as f64
    )
    .unwrap();
    TABLE.write(&mut out, clock.rounds, &rows, step_ms);
    TABLE.write_row(&mut out, "**phases summed**", phases, step_ms);
    TABLE.write_row(&mut out, "step minus phases", step_ms - phases, step_ms);
    TABLE.write_row(&mut out, "**train_step**", step_ms, step_ms);
    writeln!(
        out,
        "= {:.0} samples/s (every pixel multiplied, zeros too: train_step {dense_step_ms:.3} ms \
         = {:.0} samples/s). Split step: keep_part_gradients 128 {part128:.3} ms, 64 {part64:.3} ms \
         ({:.2} of 128); apply_adding {apply:.3} ms",
        BATCH as f64 * 1e3 / step_ms,
        BATCH as f64 * 1e3 / dense_step_ms,
        part64 / part128
    )
    .unwrap();
    out
}

/// `take_metrics` is async only for the GPU's sake; the CPU backend's future is ready at once.
fn pollster_free_take(backend: &mut CpuBackend) -> usize {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    let mut fut = pin!(backend.take_metrics());
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(m) => m.map(|m| m.len()).unwrap_or(0),
        Poll::Pending => 0,
    }
}
