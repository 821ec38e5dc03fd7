//! What a [`crate::trainer::Trainer`] trains on: any set that can be split into a training part
//! and a validation tail, extended by own examples, and handed to a backend as a
//! [`TrainSet`]. MNIST ([`Mnist`], byte images and digits) is one; the plane's points as feature
//! rows (`crate::points::PointRows`) are the other.
use super::mnist::Mnist;
use crate::train_set::TrainSet;

pub trait Dataset: Clone {
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A set with no samples (the trainer's own examples before any are given). `like` is a
    /// set of the same kind (its feature width and target kind, for the plane's rows).
    fn empty_like(like: &Self) -> Self;

    /// The set as a backend uploads it.
    fn as_train_set(&self) -> TrainSet<'_>;

    /// `self`'s samples followed by `more`'s (the training part, then the own examples).
    fn concat(&self, more: &Self) -> Self;

    /// The training part and the validation tail (`validation` of the samples, from the end).
    fn split(&self, validation: f32) -> (Self, Self);
}

impl Dataset for Mnist {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn empty_like(_: &Self) -> Self {
        Mnist {
            images: Vec::new(),
            labels: Vec::new(),
        }
    }

    fn as_train_set(&self) -> TrainSet<'_> {
        TrainSet::images(&self.images, &self.labels)
    }

    fn concat(&self, more: &Self) -> Self {
        Mnist {
            images: [&self.images[..], &more.images[..]].concat(),
            labels: [&self.labels[..], &more.labels[..]].concat(),
        }
    }

    fn split(&self, validation: f32) -> (Self, Self) {
        crate::trainer::split(self, validation)
    }
}
