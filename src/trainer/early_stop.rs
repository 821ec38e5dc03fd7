//! Early stopping's memory: the weights of the best validation loss so far, to restore when the
//! run stops improving. The decision (patience counted in validation evaluations) is the page's
//! training loop's (www/workers/early_stop.js), which sees every evaluation; this keeps the copy.
use super::Trainer;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::tensor::Param;

impl<D: crate::data::dataset::Dataset> Trainer<D> {
    /// Remember the current weights as the best so far (their step: `steps_enqueued`).
    pub async fn keep_best(&mut self) -> Result<u64> {
        let params = self.engine.read_params().await?;
        self.best = Some((self.steps_enqueued, params));
        Ok(self.steps_enqueued)
    }

    /// Forget the best weights (a new run, or early stopping turned off).
    pub fn forget_best(&mut self) {
        self.best = None;
    }

    /// Put the best weights back (optimizer state restarts, as after a load); their step.
    pub fn restore_best(&mut self) -> Result<u64> {
        let (step, params): (u64, Vec<Param>) = self
            .best
            .clone()
            .ok_or_else(|| Error::Config("no best weights are kept yet".into()))?;
        self.load_params(&params)?;
        Ok(step)
    }
}
