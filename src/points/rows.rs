//! Points as the engine trains on them: each point's feature row (x1, x2, x1^2, ... as the
//! config picks them) beside its class or value. A [`Dataset`], so the engine's own
//! [`crate::trainer::Trainer`] drives it on either backend like MNIST.
use super::features::{feature_rows, Feature};
use super::{Points, Targets};
use crate::data::dataset::Dataset;
use crate::train_set::{TrainInputs, TrainSet, TrainTargets};

#[derive(Clone, Debug, PartialEq)]
pub struct PointRows {
    /// Features per point (the model's input width).
    pub width: usize,
    /// `[n, width]`, row-major.
    pub rows: Vec<f32>,
    pub targets: Targets,
}

impl PointRows {
    pub fn new(points: &Points, features: &[Feature]) -> Self {
        Self {
            width: features.len(),
            rows: feature_rows(&points.xy, features),
            targets: points.targets.clone(),
        }
    }

    /// Points `start..end`.
    fn range(&self, start: usize, end: usize) -> Self {
        Self {
            width: self.width,
            rows: self.rows[start * self.width..end * self.width].to_vec(),
            targets: match &self.targets {
                Targets::Classes { labels, classes } => Targets::Classes {
                    labels: labels[start..end].to_vec(),
                    classes: *classes,
                },
                Targets::Values(v) => Targets::Values(v[start..end].to_vec()),
            },
        }
    }
}

impl Dataset for PointRows {
    fn len(&self) -> usize {
        match &self.targets {
            Targets::Classes { labels, .. } => labels.len(),
            Targets::Values(v) => v.len(),
        }
    }

    fn empty_like(like: &Self) -> Self {
        like.range(0, 0)
    }

    fn as_train_set(&self) -> TrainSet<'_> {
        TrainSet {
            inputs: TrainInputs::Features(&self.rows),
            targets: match &self.targets {
                Targets::Classes { labels, .. } => TrainTargets::Classes(labels),
                Targets::Values(v) => TrainTargets::Values(v),
            },
        }
    }

    fn concat(&self, more: &Self) -> Self {
        Self {
            width: self.width,
            rows: [&self.rows[..], &more.rows[..]].concat(),
            targets: match (&self.targets, &more.targets) {
                (Targets::Classes { labels, classes }, Targets::Classes { labels: more, .. }) => {
                    Targets::Classes {
                        labels: [&labels[..], &more[..]].concat(),
                        classes: *classes,
                    }
                }
                (Targets::Values(v), Targets::Values(more)) => {
                    Targets::Values([&v[..], &more[..]].concat())
                }
                // Sets of one plane share their target kind; the training part wins otherwise.
                (own, _) => own.clone(),
            },
        }
    }

    fn split(&self, validation: f32) -> (Self, Self) {
        let n = self.len();
        let n_train = n - ((n as f32 * validation).round() as usize).min(n);
        (self.range(0, n_train), self.range(n_train, n))
    }
}
