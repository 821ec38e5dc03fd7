//! What the plane draws and prints from a model's weights: loss and accuracy over a point set,
//! and the whole-grid forward pass behind the heatmaps. Both run the CPU model (`crate::cpu::Model`)
//! over a copy of the weights whichever backend trains them: the nets are tiny, and one CPU pass
//! over a 48 x 48 grid costs less than a GPU round trip.
use super::config::{PlaneConfig, Problem};
use super::features::{feature_rows, grid_points};
use super::{Points, Targets, EXTENT};
use crate::cpu::{mse_values, softmax_cross_entropy, Model};
use crate::error::{Error, Result};
use serde::Serialize;

/// Loss (and accuracy, for classes) over a whole point set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SetMetrics {
    pub loss: f32,
    /// Fraction classified right; `None` for a regression.
    pub accuracy: Option<f32>,
}

/// A whole-grid forward pass: what the heatmaps draw.
#[derive(Clone, Debug, PartialEq)]
pub struct GridOutputs {
    pub n: usize,
    /// `[n * n, outputs]`: class probabilities (softmax), or the predicted value.
    pub output: Vec<f32>,
    /// Per hidden layer, `[n * n, width]`: each neuron's output over the grid.
    pub hidden: Vec<Vec<f32>>,
}

/// Loss and accuracy of `model` over `points`, whose feature rows are `rows`.
pub fn set_metrics(model: &Model, points: &Points, rows: &[f32]) -> Result<SetMetrics> {
    if points.is_empty() {
        return Ok(SetMetrics::default());
    }
    let out = model.logits(rows)?;
    let mut scratch = vec![0.0; out.len()];
    Ok(match &points.targets {
        Targets::Classes { labels, .. } => {
            let r = softmax_cross_entropy(&mut scratch, &out, labels);
            SetMetrics {
                loss: r.loss,
                accuracy: Some(r.correct as f32 / labels.len() as f32),
            }
        }
        Targets::Values(values) => SetMetrics {
            loss: mse_values(&mut scratch, &out, values).loss,
            accuracy: None,
        },
    })
}

/// `model` over an `n x n` grid covering the plane (see [`grid_points`] for the order): the
/// output (probabilities or value) and every hidden neuron.
pub fn grid_outputs(model: &Model, config: &PlaneConfig, n: usize) -> Result<GridOutputs> {
    if !(2..=256).contains(&n) {
        return Err(Error::Config(format!("grid size {n} is not in 2..=256")));
    }
    let rows = feature_rows(&grid_points(n, EXTENT), &config.features);
    let mut ws = model.workspace(n * n);
    ws.input.copy_from_slice(&rows);
    model.forward(&mut ws, None);
    let layers = config.neuron_layers();
    let (last, hidden) = layers.split_last().expect("an output layer");
    let mut output = ws.acts[*last].clone();
    if config.problem_of_dataset() == Problem::Classification {
        softmax_rows(&mut output, config.classes);
    }
    Ok(GridOutputs {
        n,
        output,
        hidden: hidden.iter().map(|&i| ws.acts[i].clone()).collect(),
    })
}

/// `mean (y - t)^2` over one output per sample; `dy = 2 (y - t) / n` (PyTorch `MSELoss`): the
/// engine's [`mse_values`], the loss both backends train a regression with.
pub fn mse(dy: &mut [f32], y: &[f32], targets: &[f32]) -> f32 {
    mse_values(dy, y, targets).loss
}

/// Softmax over each row of `classes` values, in place.
pub fn softmax_rows(values: &mut [f32], classes: usize) {
    for row in values.chunks_mut(classes) {
        let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        for v in row.iter_mut() {
            *v /= sum;
        }
    }
}
