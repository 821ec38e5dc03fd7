//! A training run's settings: batch, optimizer, seed, order, augmentation and the validation split.
use crate::optim::OptimizerConfig;
use serde::{Deserialize, Serialize};

/// Random shifts and rotations applied per sample while training (never at evaluation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Augment {
    /// Largest shift in pixels, each axis.
    pub shift: f32,
    /// Largest rotation in degrees, either way.
    pub rotate: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainerConfig {
    pub batch: usize,
    pub optimizer: OptimizerConfig,
    pub seed: u64,
    /// False takes batches in file order (batch k = samples k*B..(k+1)*B) with no augmentation
    /// or dropout, so runs compare step for step with other frameworks.
    pub shuffle: bool,
    pub augment: Augment,
    /// Fraction of the training file held out for validation (taken from its end).
    pub validation: f32,
}

impl Default for TrainerConfig {
    fn default() -> Self {
        Self {
            batch: 64,
            optimizer: OptimizerConfig::default(),
            seed: 1,
            shuffle: true,
            augment: Augment::default(),
            validation: 0.0,
        }
    }
}
