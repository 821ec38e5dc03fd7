//! A new batch size for a running trainer: the plane's batch is `min(config.batch, points)`, so
//! a click that adds a point to a small set must grow it. A backend's buffers are sized for one
//! batch, so the trainer moves to an engine built for the new size and carries everything else
//! over: the weights (the new engine is built from them), the optimizer state (Adam's moments
//! and step count, as a snapshot's resume restores them), the step count, the metric history,
//! the snapshots and the rollback points. A new epoch begins over the training set, as when the
//! set grows ([`Trainer::replace_split`]).
use super::Trainer;
use crate::backend::Backend;
use crate::data::dataset::Dataset;
use crate::engine::Engine;
use crate::error::{Error, Result};

impl<D: Dataset> Trainer<D> {
    /// Train from the next step on `engine`, built for another batch size from the current
    /// weights (`engine().read_params()`); the optimizer state is copied into it here. Every
    /// enqueued step's metrics must have been read (`poll`), since the old engine goes. On an
    /// error nothing changes.
    pub async fn move_to_engine(&mut self, mut engine: Engine) -> Result<()> {
        if !self.lr_pending.is_empty() {
            return Err(Error::Config(
                "read the enqueued steps' metrics (poll) before changing the batch size".into(),
            ));
        }
        let batch = engine.batch_size();
        if batch == 0 || batch > self.train.len() {
            return Err(Error::Config(format!(
                "batch {batch} must be in 1..={}",
                self.train.len()
            )));
        }
        let moments = self.engine.read_moments().await?;
        engine.write_moments(&moments)?;
        let next_epoch = self.next_epoch();
        let old = std::mem::replace(&mut self.engine, engine);
        if let Err(e) = self.upload() {
            self.engine = old;
            return Err(e);
        }
        self.config.batch = batch;
        // The new engine counts its steps from 0.
        self.backend_base = self.steps_enqueued;
        self.new_plan_at(self.steps_enqueued, next_epoch);
        Ok(())
    }
}
