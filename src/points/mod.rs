//! The plane (TensorFlow Playground's 2-D lessons, `www/plane.html`): points in the square
//! [-EXTENT, EXTENT]^2 with a class or a regression value, their feature maps, and a trainer that
//! runs them through the engine's own `Trainer` on either backend (CPU by default).
//!
//! | file | job |
//! | --- | --- |
//! | `generate.rs` | seeded generators: circle, XOR, two gaussians, spiral (2-4 arms), plane, multi-gaussian |
//! | `features.rs` | the inputs x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2) |
//! | `rows.rs` | `PointRows`: points as feature rows with their targets, a `Dataset` the `Trainer` takes |
//! | `trainer.rs` | `PlaneTrainer`: config -> spec, points -> rows -> the engine's `Trainer` on an `Engine` |
//! | `evaluate.rs` | losses, accuracy and the heatmaps' grid pass over a CPU copy of the weights |
//! | `config.rs` | `PlaneConfig`: every setting the page has, checked |
pub mod config;
pub mod evaluate;
pub mod features;
pub mod generate;
pub mod rows;
pub mod trainer;

pub use config::{PlaneConfig, Problem};
pub use features::Feature;
pub use generate::{generate, DatasetKind};
pub use rows::PointRows;
pub use trainer::PlaneTrainer;

use crate::error::{Error, Result};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Half the side of the square every dataset lives in and the view shows.
pub const EXTENT: f32 = 6.0;

/// What each point is to be predicted as.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// A class in `0..classes` per point.
    Classes { labels: Vec<u8>, classes: usize },
    /// A value in [-1, 1] per point.
    Values(Vec<f32>),
}

/// Points and their targets, in the same order.
#[derive(Clone, Debug, PartialEq)]
pub struct Points {
    pub xy: Vec<[f32; 2]>,
    pub targets: Targets,
}

impl Points {
    pub fn len(&self) -> usize {
        self.xy.len()
    }

    pub fn is_empty(&self) -> bool {
        self.xy.is_empty()
    }

    /// Class count, or 1 output for a regression: the width of the model's last layer.
    pub fn outputs(&self) -> usize {
        match &self.targets {
            Targets::Classes { classes, .. } => *classes,
            Targets::Values(_) => 1,
        }
    }

    /// Points at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Points {
        Points {
            xy: indices.iter().map(|&i| self.xy[i]).collect(),
            targets: match &self.targets {
                Targets::Classes { labels, classes } => Targets::Classes {
                    labels: indices.iter().map(|&i| labels[i]).collect(),
                    classes: *classes,
                },
                Targets::Values(v) => Targets::Values(indices.iter().map(|&i| v[i]).collect()),
            },
        }
    }

    /// A seeded shuffle cut into (train, test): `ratio` of the points (at least one) train.
    pub fn split(&self, ratio: f32, seed: u64) -> Result<(Points, Points)> {
        if !(ratio.is_finite() && (0.1..=0.9).contains(&ratio)) {
            return Err(Error::Data(format!(
                "train ratio {ratio} is not in [0.1, 0.9]"
            )));
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5917);
        for i in (1..order.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let n_train = ((self.len() as f32 * ratio).round() as usize).clamp(1, self.len());
        Ok((
            self.select(&order[..n_train]),
            self.select(&order[n_train..]),
        ))
    }

    /// Add one point (drawn by hand); a class must be one of this set's.
    pub fn push(&mut self, x: f32, y: f32, target: f32) -> Result<()> {
        if !(x.is_finite() && y.is_finite() && x.abs() <= EXTENT && y.abs() <= EXTENT) {
            return Err(Error::Data(format!(
                "point ({x}, {y}) is outside [-{EXTENT}, {EXTENT}]^2"
            )));
        }
        match &mut self.targets {
            Targets::Classes { labels, classes } => {
                if !(target >= 0.0 && target.fract() == 0.0 && (target as usize) < *classes) {
                    return Err(Error::Data(format!(
                        "class {target} is not one of 0..{classes}"
                    )));
                }
                labels.push(target as u8);
            }
            Targets::Values(values) => {
                if !(target.is_finite() && (-1.0..=1.0).contains(&target)) {
                    return Err(Error::Data(format!("value {target} is not in [-1, 1]")));
                }
                values.push(target);
            }
        }
        self.xy.push([x, y]);
        Ok(())
    }
}
