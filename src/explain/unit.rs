//! What a unit wants: the input that maximises one dense unit or one conv channel (its mean over
//! the feature map), by gradient ascent on the pixels from gray noise with a small L2 penalty
//! (without it the ascent saturates every pixel it can), and the test images that excite the
//! unit most. A unit is `(layer, index)`: `index` is a unit of a dense layer's output or a
//! channel of a conv layer's output (any layer's output works: the first dimension is the
//! channel, the rest is averaged).
use super::saliency::gaussian;
use crate::cpu::Inference;
use crate::error::{Error, Result};
use crate::spec::IMAGE_PIXELS;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitConfig {
    pub steps: usize,
    /// The largest change of any pixel in the first step; it falls linearly to a tenth.
    pub rate: f32,
    /// The L2 penalty `l2 / 2 * |x|^2` subtracted from the unit's value.
    pub l2: f32,
    pub seed: u64,
}

impl Default for UnitConfig {
    fn default() -> Self {
        Self {
            steps: 96,
            rate: 0.1,
            l2: 0.01,
            seed: 1,
        }
    }
}

/// The ascent's result: the pixels and the unit's value there and at the starting noise.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitWants {
    pub pixels: Vec<f32>,
    pub value: f32,
    pub start_value: f32,
}

/// The unit's value in a layer output row (`channels` leading, the rest averaged).
fn unit_value(row: &[f32], channels: usize, index: usize) -> f32 {
    let plane = row.len() / channels;
    row[index * plane..(index + 1) * plane].iter().sum::<f32>() / plane as f32
}

fn channels(model: &Inference, layer: usize, index: usize) -> Result<usize> {
    let shape = model
        .layer_shape(layer)
        .ok_or_else(|| Error::Shape(format!("the model has no layer {layer}")))?;
    if index >= shape[0] {
        return Err(Error::Shape(format!(
            "layer {layer} has {} units or channels, not {}",
            shape[0],
            index + 1
        )));
    }
    Ok(shape[0])
}

/// Gradient ascent on the input for unit `index` of layer `layer`.
pub fn unit_wants(
    model: &mut Inference,
    layer: usize,
    index: usize,
    config: UnitConfig,
) -> Result<UnitWants> {
    let channels = channels(model, layer, index)?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut x: Vec<f32> = (0..IMAGE_PIXELS)
        .map(|_| (0.5 + 0.1 * gaussian(&mut rng)).clamp(0.0, 1.0))
        .collect();
    let seed = |_: usize, row: &[f32], dy: &mut [f32]| {
        let plane = row.len() / channels;
        dy[index * plane..(index + 1) * plane].fill(1.0 / plane as f32);
    };
    let (mut best, mut best_value, mut start_value) = (x.clone(), f32::NEG_INFINITY, 0.0);
    for step in 0..=config.steps {
        let pass = model.input_gradients_from(&x, layer, &seed)?;
        let value = unit_value(&pass.logits, channels, index);
        if step == 0 {
            start_value = value;
        }
        if value > best_value {
            (best, best_value) = (x.clone(), value);
        }
        if step == config.steps {
            break;
        }
        // Normalised steps: the gradient's scale differs by orders of magnitude between a
        // first-layer channel and a logit; the rate is what moves pixels.
        let d: Vec<f32> = pass
            .gradient
            .iter()
            .zip(&x)
            .map(|(g, p)| g - config.l2 * p)
            .collect();
        let top = d.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
        let rate = config.rate * (1.0 - 0.9 * step as f32 / config.steps as f32);
        for (p, v) in x.iter_mut().zip(&d) {
            *p = (*p + rate * v / top).clamp(0.0, 1.0);
        }
    }
    Ok(UnitWants {
        pixels: best,
        value: best_value,
        start_value,
    })
}

/// The unit's value on each of `n` images (`[n, 784]`), forward passes only.
pub fn unit_values(
    model: &mut Inference,
    images: &[f32],
    layer: usize,
    index: usize,
) -> Result<Vec<f32>> {
    let channels = channels(model, layer, index)?;
    let outputs = model.layer_outputs(images, layer)?;
    let width = outputs.len() / (images.len() / IMAGE_PIXELS).max(1);
    Ok(outputs
        .chunks(width)
        .map(|row| unit_value(row, channels, index))
        .collect())
}

/// The `k` images (of `images`, `[n, 784]`) on which the unit is largest: `(index, value)`,
/// largest first.
pub fn top_images(
    model: &mut Inference,
    images: &[f32],
    layer: usize,
    index: usize,
    k: usize,
) -> Result<Vec<(usize, f32)>> {
    let mut values: Vec<(usize, f32)> = unit_values(model, images, layer, index)?
        .into_iter()
        .enumerate()
        .collect();
    values.sort_by(|a, b| b.1.total_cmp(&a.1));
    values.truncate(k);
    Ok(values)
}
