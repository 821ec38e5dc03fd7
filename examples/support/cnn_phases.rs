//! The phases of a CNN training step on the CPU backend, each timed alone with the functions the
//! backend calls: shared by `examples/cnn_profile.rs` (native) and `tests/wasm_cnn_bench.rs`
//! (the same profile in Chromium, on the wasm kernel the page runs). See the example's doc for
//! what the rows mean.
use gradient_garden::cpu::gemm::sgemm;
use gradient_garden::cpu::{
    activation_backward, activation_forward, adam_update, conv2d_backward, conv2d_backward_from,
    conv2d_forward, conv2d_relu_maxpool_forward, conv3x3_relu_pool2_backward,
    conv3x3_relu_pool2_forward, dense_backward, dense_forward, maxpool2d_backward,
    maxpool2d_forward, maxpool2d_relu_backward, softmax_cross_entropy, Conv2dDims, OutputGrad,
};
use gradient_garden::optim::OptimizerConfig;
use gradient_garden::spec::Activation;
use std::fmt::Write;

use crate::timing::{fastest_ms, values, Clock, Table};

const BATCH: usize = 64;
const TABLE: Table = Table {
    step: "CNN",
    batch: BATCH,
    share_header: "share",
    decimals: 2,
};

struct Conv {
    d: Conv2dDims,
    x: Vec<f32>,
    w: Vec<f32>,
    b: Vec<f32>,
    y: Vec<f32>,
}

impl Conv {
    fn new(c_in: usize, hw: usize, filters: usize) -> Self {
        let d = Conv2dDims {
            batch: BATCH,
            in_channels: c_in,
            height: hw,
            width: hw,
            filters,
            kernel: 3,
            pad: 0,
        };
        let out = BATCH * filters * d.out_h() * d.out_w();
        Conv {
            x: values(BATCH * c_in * hw * hw, 0.3),
            w: values(filters * c_in * 9, 0.9),
            b: values(filters, 0.1),
            y: vec![0.0; out],
            d,
        }
    }
    fn patch(&self) -> usize {
        self.d.in_channels * 9
    }
    fn spatial(&self) -> usize {
        self.d.out_h() * self.d.out_w()
    }
}

/// Times every phase and returns the report as markdown.
pub fn report(clock: &Clock) -> String {
    // One call a round: every phase here lasts far longer than the clock's tick.
    let time = |f: &mut dyn FnMut()| fastest_ms(clock, 0.0, f);
    let mut out = String::new();
    let mut rows: Vec<(&str, f64)> = Vec::new();
    // Each convolution call whole (packing, products, bias, col2im): what the split rows divide.
    let mut convs: Vec<(&str, f64)> = Vec::new();
    let mut c1 = Conv::new(1, 28, 32);
    let mut c2 = Conv::new(32, 13, 64);
    let relu = Activation::Relu;

    // ---- forward
    for (name, c) in [("conv1", &mut c1), ("conv2", &mut c2)] {
        let conv = time(&mut || conv2d_forward(&mut c.y, &c.x, &c.w, &c.b, &c.d));
        convs.push((leak(format!("fwd {name}")), conv));
        let (f, p, s) = (c.d.filters, c.patch(), c.spatial());
        let cols = values(p * s, 0.5);
        let mut yb = vec![0.0; f * s];
        let mm = time(&mut || {
            for _ in 0..BATCH {
                sgemm(f, p, s, &c.w, false, &cols, false, &mut yb, false);
            }
        });
        rows.push((leak(format!("fwd {name} matmul w.cols")), mm));
        rows.push((leak(format!("fwd {name} im2col + bias")), conv - mm));
    }
    let a1 = c1.y.clone();
    let mut r1 = vec![0.0; a1.len()];
    rows.push((
        "fwd relu1",
        time(&mut || activation_forward(relu, &mut r1, &a1)),
    ));
    let mut p1 = vec![0.0; BATCH * 32 * 13 * 13];
    let mut arg1 = vec![0u32; p1.len()];
    rows.push((
        "fwd pool1",
        time(&mut || maxpool2d_forward(&mut p1, &mut arg1, &r1, BATCH * 32, 26, 26, 2)),
    ));
    let a2 = c2.y.clone();
    let mut r2 = vec![0.0; a2.len()];
    rows.push((
        "fwd relu2",
        time(&mut || activation_forward(relu, &mut r2, &a2)),
    ));
    let mut p2 = vec![0.0; BATCH * 64 * 5 * 5];
    let mut arg2 = vec![0u32; p2.len()];
    rows.push((
        "fwd pool2",
        time(&mut || maxpool2d_forward(&mut p2, &mut arg2, &r2, BATCH * 64, 11, 11, 2)),
    ));
    let (w3, b3, w4, b4) = (
        values(64 * 1600, 0.2),
        values(64, 0.4),
        values(10 * 64, 0.6),
        values(10, 0.8),
    );
    let (mut h3, mut h4, mut logits) = (
        vec![0.0; BATCH * 64],
        vec![0.0; BATCH * 64],
        vec![0.0; BATCH * 10],
    );
    rows.push((
        "fwd dense1 (1600 -> 64)",
        time(&mut || dense_forward(&mut h3, &p2, &w3, &b3, BATCH, 1600, 64)),
    ));
    rows.push((
        "fwd relu3",
        time(&mut || activation_forward(relu, &mut h4, &h3)),
    ));
    rows.push((
        "fwd dense2 (64 -> 10)",
        time(&mut || dense_forward(&mut logits, &h4, &w4, &b4, BATCH, 64, 10)),
    ));
    let labels: Vec<u8> = (0..BATCH).map(|i| (i % 10) as u8).collect();
    let mut dlogits = vec![0.0; BATCH * 10];
    rows.push((
        "loss (softmax cross-entropy)",
        time(&mut || {
            softmax_cross_entropy(&mut dlogits, &logits, &labels);
        }),
    ));

    // ---- backward
    let (mut gw4, mut gb4, mut dh4) = (vec![0.0; 640], vec![0.0; 10], vec![0.0; BATCH * 64]);
    rows.push((
        "bwd dense2",
        time(&mut || {
            dense_backward(
                Some(&mut dh4),
                &mut gw4,
                &mut gb4,
                &dlogits,
                &h4,
                &w4,
                BATCH,
                64,
                10,
            )
        }),
    ));
    let mut dh3 = vec![0.0; BATCH * 64];
    rows.push((
        "bwd relu3",
        time(&mut || activation_backward(relu, &mut dh3, &h4, &dh4)),
    ));
    let (mut gw3, mut gb3, mut dp2) = (vec![0.0; 64 * 1600], vec![0.0; 64], vec![0.0; p2.len()]);
    rows.push((
        "bwd dense1",
        time(&mut || {
            dense_backward(
                Some(&mut dp2),
                &mut gw3,
                &mut gb3,
                &dh3,
                &p2,
                &w3,
                BATCH,
                1600,
                64,
            )
        }),
    ));
    // The backend runs a pool's backward and the ReLU's below it as one pass.
    let mut da2 = vec![0.0; r2.len()];
    rows.push((
        "bwd pool2 + relu2 (one pass)",
        time(&mut || maxpool2d_relu_backward(&mut da2, &dp2, &arg2, &r2)),
    ));
    let (mut gw2, mut gb2, mut dp1) = (vec![0.0; c2.w.len()], vec![0.0; 64], vec![0.0; p1.len()]);
    c2.x = p1.clone();
    let conv2_bwd = time(&mut || {
        conv2d_backward(
            Some(&mut dp1),
            &mut gw2,
            &mut gb2,
            &da2,
            &c2.x,
            &c2.w,
            &c2.d,
        )
    });
    convs.push(("bwd conv2", conv2_bwd));
    let (f, p, s) = (64, c2.patch(), c2.spatial());
    let cols = values(p * s, 0.5);
    let dyb = &da2[..f * s];
    let mut dcols = vec![0.0; p * s];
    let dw_mm = time(&mut || {
        for _ in 0..BATCH {
            sgemm(f, s, p, dyb, false, &cols, true, &mut gw2, true);
        }
    });
    let dx_mm = time(&mut || {
        for _ in 0..BATCH {
            sgemm(p, f, s, &c2.w, true, dyb, false, &mut dcols, false);
        }
    });
    rows.push(("bwd conv2 matmul dW += dy.cols^T", dw_mm));
    rows.push(("bwd conv2 matmul dcols = W^T.dy", dx_mm));
    rows.push((
        "bwd conv2 im2col + col2im + bias",
        conv2_bwd - dw_mm - dx_mm,
    ));
    let mut da1 = vec![0.0; r1.len()];
    rows.push((
        "bwd pool1 + relu1 (one pass)",
        time(&mut || maxpool2d_relu_backward(&mut da1, &dp1, &arg1, &r1)),
    ));
    // What the backend ran before the two were fused, for comparison (not in the sum).
    let mut dr1 = vec![0.0; r1.len()];
    let two_passes = time(&mut || {
        maxpool2d_backward(&mut dr1, &dp1, &arg1);
        activation_backward(relu, &mut da1, &r1, &dr1);
    });
    let (mut gw1, mut gb1) = (vec![0.0; c1.w.len()], vec![0.0; 32]);
    let conv1_bwd =
        time(&mut || conv2d_backward(None, &mut gw1, &mut gb1, &da1, &c1.x, &c1.w, &c1.d));
    convs.push(("bwd conv1 (no dx)", conv1_bwd));
    let (f, p, s) = (32, c1.patch(), c1.spatial());
    let cols = values(p * s, 0.5);
    let dyb = &da1[..f * s];
    let dw_mm = time(&mut || {
        for _ in 0..BATCH {
            sgemm(f, s, p, dyb, false, &cols, true, &mut gw1, true);
        }
    });
    rows.push(("bwd conv1 matmul dW += dy.cols^T", dw_mm));
    rows.push(("bwd conv1 im2col + bias", conv1_bwd - dw_mm));

    // ---- update: Adam over every parameter
    let cfg = OptimizerConfig::default();
    // (weights, first moment, second moment, gradient) per parameter tensor.
    let mut params: Vec<[Vec<f32>; 4]> = [c1.w.len(), 32, c2.w.len(), 64, 64 * 1600, 64, 640, 10]
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

    // ---- the blocks as a training step runs them: each convolution, its ReLU and its pool as
    // one pass (cpu::model's fused blocks), the second as Winograd F(2x2, 3x3), against the sum
    // of their rows above. (name, direct fused ms, Winograd ms where training runs it, apart)
    let row = |name: &str| rows.iter().find(|r| r.0 == name).expect("a timed row").1;
    let conv = |name: &str| convs.iter().find(|c| c.0 == name).expect("a timed call").1;
    let mut fused: Vec<(&str, f64, Option<f64>, f64)> = Vec::new();
    let (mut fp1, mut fa1) = (vec![0.0; p1.len()], vec![0u32; p1.len()]);
    let ms = time(&mut || {
        conv2d_relu_maxpool_forward(&mut fp1, &mut fa1, &c1.x, &c1.w, &c1.b, &c1.d, 2)
    });
    let apart = conv("fwd conv1") + row("fwd relu1") + row("fwd pool1");
    fused.push(("fwd conv1 + relu1 + pool1", ms, None, apart));
    let (mut fp2, mut fa2) = (vec![0.0; p2.len()], vec![0u32; p2.len()]);
    let ms = time(&mut || {
        conv2d_relu_maxpool_forward(&mut fp2, &mut fa2, &c2.x, &c2.w, &c2.b, &c2.d, 2)
    });
    let wino =
        time(&mut || conv3x3_relu_pool2_forward(&mut fp2, &mut fa2, &c2.x, &c2.w, &c2.b, &c2.d));
    let apart = conv("fwd conv2") + row("fwd relu2") + row("fwd pool2");
    fused.push(("fwd conv2 + relu2 + pool2", ms, Some(wino), apart));
    let ms = time(&mut || {
        let dy = OutputGrad::ReluPool {
            dy: &dp2,
            argmax: &fa2,
            pooled: &fp2,
        };
        conv2d_backward_from(Some(&mut dp1), &mut gw2, &mut gb2, dy, &c2.x, &c2.w, &c2.d)
    });
    let wino = time(&mut || {
        conv3x3_relu_pool2_backward(
            Some(&mut dp1),
            &mut gw2,
            &mut gb2,
            &dp2,
            &fa2,
            &fp2,
            &c2.x,
            &c2.w,
            &c2.d,
        )
    });
    let apart = row("bwd pool2 + relu2 (one pass)") + conv("bwd conv2");
    fused.push(("bwd pool2 + relu2 + conv2", ms, Some(wino), apart));
    let ms = time(&mut || {
        let dy = OutputGrad::ReluPool {
            dy: &dp1,
            argmax: &fa1,
            pooled: &fp1,
        };
        conv2d_backward_from(None, &mut gw1, &mut gb1, dy, &c1.x, &c1.w, &c1.d)
    });
    let apart = row("bwd pool1 + relu1 (one pass)") + conv("bwd conv1 (no dx)");
    fused.push(("bwd pool1 + relu1 + conv1 (no dx)", ms, None, apart));

    let total: f64 = rows.iter().map(|r| r.1).sum();
    let matmul: f64 = rows
        .iter()
        .filter(|r| r.0.contains("matmul") || r.0.contains("dense"))
        .map(|r| r.1)
        .sum();
    TABLE.write(&mut out, clock.rounds, &rows, total);
    TABLE.write_row(&mut out, "**sum**", total, total);
    writeln!(
        out,
        "bwd pool1 then relu1 as two passes (before the fusion): {two_passes:.2} ms"
    )
    .unwrap();
    let saved: f64 = fused.iter().map(|f| f.3 - f.2.unwrap_or(f.1)).sum();
    writeln!(
        out,
        "| fused block | direct, ms | Winograd, ms | its rows apart |"
    )
    .unwrap();
    writeln!(out, "| --- | ---: | ---: | ---: |").unwrap();
    for (name, ms, wino, apart) in &fused {
        let wino = wino.map_or("-".to_string(), |w| format!("{w:.2}"));
        writeln!(out, "| {name} | {ms:.2} | {wino} | {apart:.2} |").unwrap();
    }
    writeln!(
        out,
        "step as training runs it (blocks fused, Winograd where shown): {:.2} ms (the sum less {saved:.2})",
        total - saved
    )
    .unwrap();
    let whole: Vec<String> = convs.iter().map(|(n, ms)| format!("{n} {ms:.2}")).collect();
    writeln!(out, "whole convolution calls, ms: {}", whole.join(", ")).unwrap();
    writeln!(
        out,
        "matmuls (convolutions' and dense layers'): {:.0}% of the step",
        100.0 * matmul / total
    )
    .unwrap();
    out
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}
