//! What a running trainer trains on can change without a new session: the training file grows
//! (the page starts on the first slice of the 60,000 and swaps in the whole set once it has
//! streamed in), and the user's own examples are mixed into every batch at a chosen share.
//!
//! The backend holds one uploaded set: the training part of the file followed by the own
//! examples, so an own example is just an index past the file's training part and every path
//! that gathers a batch by index (CPU, GPU, a helper worker's part) needs nothing new. Own
//! examples get the batch's usual augmentation and dropout, by position like any sample.
use super::Trainer;
use crate::backend::Backend;
use crate::data::batches::BatchPlan;
use crate::data::dataset::Dataset;
use crate::data::mnist::Mnist;
use crate::error::{Error, Result};
use crate::spec::IMAGE_PIXELS;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// At most this many own examples (a user draws tens; the cap keeps an import from flooding
/// memory: 10,000 is 7.8 MB).
pub const OWN_EXAMPLES_MAX: usize = 10_000;

/// The trainer's view of its data beyond the file: the own examples, their share of each batch,
/// counts of what was drawn, and where the current epoch numbering starts.
#[derive(Clone, Debug)]
pub struct TrainData<D = Mnist> {
    pub own: D,
    pub share: f32,
    /// Own examples and all samples put into batches so far (the share as it really ran).
    pub own_drawn: u64,
    pub samples_drawn: u64,
    rng: ChaCha8Rng,
    /// Epoch numbers count from `(step, epoch)`: a grown set restarts the count of steps per
    /// epoch, and the epoch number must not go back.
    pub epoch_base: (u64, usize),
}

impl<D: Dataset> TrainData<D> {
    /// No own examples yet (an empty set of `like`'s kind).
    pub fn new(seed: u64, like: &D) -> Self {
        Self {
            own: D::empty_like(like),
            share: 0.0,
            own_drawn: 0,
            samples_drawn: 0,
            // Its own stream, so that runs without own examples draw exactly as before.
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x0e1a_3717),
            epoch_base: (0, 0),
        }
    }
}

/// `data` split into its training part and the validation tail (`validation` of it, from its end).
/// The page's set only grows by appending (a longer prefix of the same file), so the tail of a
/// grown set was never in the training part of a shorter one: validation never scores samples
/// the model trained on, and at the full 60,000 it is the file's last 6,000.
pub fn split(data: &Mnist, validation: f32) -> (Mnist, Mnist) {
    let n_val = (data.len() as f32 * validation).round() as usize;
    let n_train = data.len() - n_val;
    let train = data.take(n_train);
    let held_out = Mnist {
        images: data.images[n_train * IMAGE_PIXELS..].to_vec(),
        labels: data.labels[n_train..].to_vec(),
    };
    (train, held_out)
}

impl<D: Dataset> Trainer<D> {
    /// Train on `data` from the next step (same model, optimizer state and step count): a new
    /// split, a new shuffled order, and a new epoch begins. The batch must still fit.
    pub fn replace_data(&mut self, data: &D) -> Result<()> {
        let (train, validation) = data.split(self.config.validation);
        self.replace_split(train, validation)
    }

    /// [`Trainer::replace_data`] with the training part and validation set given apart (the
    /// plane splits its points itself, and grows its training part by hand-drawn points).
    pub fn replace_split(&mut self, train: D, validation: D) -> Result<()> {
        if self.config.batch > train.len() {
            return Err(Error::Config(format!(
                "batch {} must be in 1..={}",
                self.config.batch,
                train.len()
            )));
        }
        let next_epoch = self.next_epoch();
        let old = std::mem::replace(&mut self.train, train);
        if let Err(e) = self.upload() {
            self.train = old;
            return Err(e);
        }
        self.validation = validation;
        self.new_plan_at(self.steps_enqueued, next_epoch);
        Ok(())
    }

    /// The number of an epoch that begins now: the next one, unless the current one has not
    /// taken a step yet.
    pub(super) fn next_epoch(&self) -> usize {
        self.epoch_of(self.steps_enqueued)
            + usize::from(self.steps_enqueued > self.data.epoch_base.0)
    }

    /// A new (shuffled) order over the whole training set at the current batch size, from
    /// `step` on, numbered from `epoch`.
    pub(super) fn new_plan_at(&mut self, step: u64, epoch: usize) {
        self.data.epoch_base = (step, epoch);
        let seed = self.config.seed.wrapping_add(step);
        self.plan = BatchPlan::new(
            self.train.len(),
            self.config.batch,
            self.config.shuffle,
            seed,
        );
        self.plan.epoch = epoch;
    }

    /// After a resume to a state from before the set or the batch grew (snapshots.rs), the
    /// restored batch order covers the shorter set or the smaller batch: a new order over the
    /// whole set at the current batch size starts there, at `epoch`.
    pub(super) fn fit_plan_to_data(&mut self, step: u64, epoch: usize) {
        if self.plan.batch() == self.config.batch
            && self.plan.steps_per_epoch() == self.train.len() / self.config.batch
        {
            return;
        }
        self.new_plan_at(step, epoch);
    }

    /// The share of every batch drawn from the own examples, in [0, 1] (0 with none).
    pub fn set_own_share(&mut self, share: f32) -> Result<()> {
        if !(0.0..=1.0).contains(&share) {
            return Err(Error::Config(format!(
                "ownShare {share} is not a number in [0, 1]"
            )));
        }
        self.data.share = share;
        Ok(())
    }

    pub fn own_examples(&self) -> &D {
        &self.data.own
    }

    /// `(own examples, all samples)` put into batches so far.
    pub fn own_counts(&self) -> (u64, u64) {
        (self.data.own_drawn, self.data.samples_drawn)
    }

    /// The epoch step `step` belongs to.
    pub(super) fn epoch_of(&self, step: u64) -> usize {
        let (base_step, base_epoch) = self.data.epoch_base;
        let per_epoch = self.plan.steps_per_epoch().max(1) as u64;
        base_epoch + (step.saturating_sub(base_step) / per_epoch) as usize
    }

    /// Put own examples into the first `round(share * batch)` places of a planned batch (the
    /// places do not matter: the batch is already in random order).
    pub(super) fn mix_own(&mut self, indices: &mut [u32]) {
        self.data.samples_drawn += indices.len() as u64;
        let n_own = self.data.own.len() as u64;
        if n_own == 0 || self.data.share <= 0.0 || !self.config.shuffle {
            return;
        }
        let k = ((self.data.share * indices.len() as f32).round() as usize).min(indices.len());
        let base = self.train.len() as u64;
        for slot in &mut indices[..k] {
            *slot = (base + self.data.rng.next_u64() % n_own) as u32;
        }
        self.data.own_drawn += k as u64;
    }

    /// Upload the training part followed by the own examples.
    pub(super) fn upload(&mut self) -> Result<()> {
        let own = &self.data.own;
        if own.is_empty() {
            return self.engine.upload(self.train.as_train_set());
        }
        let all = self.train.concat(own);
        self.engine.upload(all.as_train_set())
    }
}

impl Trainer {
    /// The user's own examples (replacing any before); they train at [`Trainer::set_own_share`].
    pub fn set_own_examples(&mut self, own: Mnist) -> Result<()> {
        if own.len() > OWN_EXAMPLES_MAX {
            return Err(Error::Data(format!(
                "{} own examples; at most {OWN_EXAMPLES_MAX} are kept",
                own.len()
            )));
        }
        if own.images.len() != own.len() * IMAGE_PIXELS {
            return Err(Error::Data(format!(
                "{} image bytes for {} labels",
                own.images.len(),
                own.len()
            )));
        }
        if let Some(bad) = own.labels.iter().find(|&&l| l > 9) {
            return Err(Error::Data(format!("label {bad} is not a class (0-9)")));
        }
        let old = std::mem::replace(&mut self.data.own, own);
        if let Err(e) = self.upload() {
            self.data.own = old;
            return Err(e);
        }
        Ok(())
    }
}
