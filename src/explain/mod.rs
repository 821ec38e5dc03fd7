//! Why did it say 7? Explanations computed from the model's input gradient: saliency maps
//! (plain gradient, SmoothGrad, integrated gradients) and the adversarial nudge toward a chosen
//! class. Pure functions over [`InputGradients`], so any backend that can run its backward pass
//! down to the pixels can answer them; `cpu::Inference` is the one the page and the tests use.
pub mod adversarial;
pub mod saliency;
pub mod unit;

use crate::cpu::inference::GradSeed;
use crate::cpu::{Inference, InputGradient};
use crate::error::Result;

pub use adversarial::{nudge, Nudge, NudgeConfig};
pub use saliency::{backend_saliency, saliency, Method, Saliency};
pub use unit::{top_images, unit_values, unit_wants, UnitConfig, UnitWants};

/// A model that can run forward and backward down to its input for a batch of images.
pub trait InputGradients {
    /// Logits `[n, 10]` and `d(dY . logits)/d image` `[n, 784]` for `n` images, where
    /// `seed(k, logits_k, dy_k)` writes image `k`'s `dY` (zeroed before) from its logits.
    fn input_gradients(&mut self, images: &[f32], seed: GradSeed) -> Result<InputGradient>;
}

impl InputGradients for Inference {
    fn input_gradients(&mut self, images: &[f32], seed: GradSeed) -> Result<InputGradient> {
        Inference::input_gradients(self, images, seed)
    }
}

/// Index of the largest of `values` (the first on ties).
pub(crate) fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}
