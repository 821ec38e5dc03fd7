//! The one small trait both backends implement, the plain data it passes, and helpers both
//! backends share. The enum that dispatches to them is `Engine` (engine.rs), which depends on the
//! backends; this file depends on neither.
//!
//! A backend owns the model's parameters, optimizer state and (once uploaded) the training set.
//! `train_step` only enqueues work: nothing is read back on the hot path. Everything the page
//! draws comes back through the async methods, which on the GPU map buffers without stalling.
#![allow(async_fn_in_trait)]

use crate::cpu::InputGradient;
use crate::error::Result;
use crate::optim::OptimizerConfig;
use crate::tensor::{Param, Tensor};
use serde::Serialize;

pub use crate::train_set::{TrainInputs, TrainSet, TrainTargets};

/// One training batch, by index into the uploaded training set.
#[derive(Clone, Debug)]
pub struct TrainBatch<'a> {
    pub indices: &'a [u32],
    /// Optional per-sample augmentation: `[a, b, c, d, e, f]` maps an output pixel `(x, y)` to the
    /// source point `(a*x + b*y + c, d*x + e*y + f)`, sampled bilinearly, zero outside the image.
    /// Empty means no augmentation.
    pub transforms: &'a [[f32; 6]],
    /// Seeds dropout masks for this step (see [`dropout_keep`]).
    pub seed: u32,
}

/// Loss and accuracy of one step's batch, computed before that step's update.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepMetrics {
    /// Steps counted from 0 since the backend was built or its parameters were last written.
    pub step: u64,
    /// Mean loss over the batch.
    pub loss: f32,
    pub correct: u32,
    pub samples: u32,
}

/// Gradient flow of one parameter tensor at the most recent step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerStats {
    /// State-dict name, e.g. `"0.weight"`.
    pub name: String,
    pub grad_norm: f32,
    pub weight_norm: f32,
    /// L2 norm of the last update (`w_after - w_before`).
    pub update_norm: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BackendInfo {
    /// `"cpu"` or `"gpu"`.
    pub kind: &'static str,
    /// The adapter's name for the GPU (e.g. "SwiftShader Device", "llvmpipe"), "ndarray" for the CPU.
    pub adapter: String,
    /// True when the GPU adapter is a software fallback (SwiftShader, lavapipe).
    pub fallback: bool,
}

pub trait Backend {
    fn info(&self) -> BackendInfo;
    /// The batch size the backend's buffers were built for.
    fn batch_size(&self) -> usize;
    /// Upload the training set once: MNIST images or feature rows of the model's input width,
    /// with class labels or values (see [`TrainSet`]).
    fn upload(&mut self, set: TrainSet) -> Result<()>;
    /// Upload MNIST's training set: `images` is `n * 784` bytes (scaled by 1/255 on use).
    fn upload_train_set(&mut self, images: &[u8], labels: &[u8]) -> Result<()> {
        self.upload(TrainSet::images(images, labels))
    }
    /// Forward, loss, backward and optimizer update for one batch. Enqueues only; no readback.
    fn train_step(&mut self, batch: &TrainBatch, opt: &OptimizerConfig) -> Result<()>;
    /// Metrics of every step since the last call, oldest first.
    async fn take_metrics(&mut self) -> Result<Vec<StepMetrics>>;
    /// Raw network outputs (logits) for `images.len() / inputs` samples (784-pixel images in
    /// [0, 1], or feature rows), `n * outputs` values (`n * 10` for MNIST).
    async fn logits(&mut self, images: &[f32]) -> Result<Vec<f32>>;
    /// Every layer's output for one image, in layer order, shapes without the batch dimension.
    async fn activations(&mut self, image: &[f32]) -> Result<Vec<Tensor>>;
    /// Gradient flow of every parameter tensor at the most recent step (empty before any step).
    async fn layer_stats(&mut self) -> Result<Vec<LayerStats>>;
    async fn read_params(&mut self) -> Result<Vec<Param>>;
    /// Replace the parameters (names and shapes must match the spec) and reset optimizer state.
    fn write_params(&mut self, params: &[Param]) -> Result<()>;
    /// `d logit[targets[k]] / d image_k` (`[n, 784]`) and the logits (`[n, 10]`) of
    /// `targets.len()` images: the backward pass run down to the pixels (saliency, src/explain/).
    async fn input_gradient(&mut self, images: &[f32], targets: &[usize]) -> Result<InputGradient>;
}

/// Dropout's keep decision, identical on every backend: a PCG hash of (seed, layer, element).
/// `index` is the element's position in the layer's `[batch, ...]` output.
pub fn dropout_keep(seed: u32, layer: u32, index: u32, rate: f32) -> bool {
    let h = pcg_hash(seed ^ pcg_hash(layer.wrapping_mul(0x9E37_79B9) ^ index));
    (h >> 8) as f32 / (1u32 << 24) as f32 >= rate
}

/// The PCG-RXS-M-XS hash (Jarzynski & Olano 2020); `shaders/common_hash.wgsl` is the same function.
pub fn pcg_hash(input: u32) -> u32 {
    let state = input.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277_803_737);
    (word >> 22) ^ word
}

/// Softmax over each row of 10 logits, in place (numerically stable).
pub fn softmax_rows(values: &mut [f32]) {
    for row in values.chunks_mut(crate::spec::CLASSES) {
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
