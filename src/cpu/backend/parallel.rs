//! `CpuBackend`'s data-parallel half: a step's batch cut into parts (one per worker), each
//! part's gradient computed alone, the summed gradient applied once.
use super::CpuBackend;
use crate::backend::TrainBatch;
use crate::cpu::augment::gather_batch;
use crate::error::{Error, Result};
use crate::optim::OptimizerConfig;
use crate::spec::CLASSES;
use crate::tensor::{copy_from_flat, Param};
use std::ops::Range;

/// One part's share of a data-parallel step's metrics; parts add up field by field (in part
/// order) to the whole batch's.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PartMetrics {
    /// Sum over the part's samples of each sample's loss (the batch mean is the total / samples).
    pub loss_sum: f32,
    pub correct: u32,
    pub samples: u32,
}

impl std::ops::Add for PartMetrics {
    type Output = PartMetrics;
    fn add(self, other: PartMetrics) -> PartMetrics {
        PartMetrics {
            loss_sum: self.loss_sum + other.loss_sum,
            correct: self.correct + other.correct,
            samples: self.samples + other.samples,
        }
    }
}

/// Data-parallel training: each worker computes [`CpuBackend::gradients`] on its part of the
/// same batch, the parts' gradients are summed in part order, and every worker calls
/// [`CpuBackend::apply_gradients`] with that sum, so all copies of the weights stay identical and
/// equal (to float rounding) to a one-worker [`Backend::train_step`].
impl CpuBackend {
    /// Parameters in state_dict order, flattened into one vector (the layout of
    /// [`CpuBackend::gradients`]).
    pub fn param_len(&self) -> usize {
        self.grads.iter().map(Vec::len).sum()
    }

    /// The parameters in state_dict order, borrowed: a data-parallel step sends them to the
    /// other workers every step, so no copy is made here.
    pub fn params(&self) -> &[Param] {
        &self.model.params
    }

    /// Overwrite every parameter, in place, from `flat` (state_dict order, [`Self::param_len`]
    /// values). Like [`Backend::write_params`], the optimizer state and step count restart.
    pub fn set_params_flat(&mut self, flat: &[f32]) -> Result<()> {
        copy_from_flat(&mut self.model.params, flat)?;
        self.weights_written();
        Ok(())
    }

    /// The parameters to overwrite in place (as [`CpuBackend::set_params_flat`] does, from
    /// several pieces, e.g. straight out of shared memory); the optimizer state restarts.
    pub fn params_to_overwrite(&mut self) -> &mut [Param] {
        self.weights_written();
        &mut self.model.params
    }

    fn weights_written(&mut self) {
        self.kept_part = None;
        self.opt.reset();
        self.step = 0;
        self.last_opt = None;
    }

    /// The gradient of the WHOLE batch's mean loss contributed by samples `part` of `batch`
    /// (`batch.indices` is the full batch, of [`Backend::batch_size`] samples): summing the
    /// results over parts that tile `0..batch_size` gives the full batch's gradient. Dropout and
    /// augmentation use each sample's position in the full batch. Gradients come flattened in
    /// state_dict order. Nothing is updated.
    pub fn gradients(
        &mut self,
        batch: &TrainBatch,
        part: Range<usize>,
    ) -> Result<(Vec<f32>, PartMetrics)> {
        let metrics = self.keep_part_gradients(batch, part)?;
        self.kept_part = None;
        Ok((self.grads.iter().flatten().copied().collect(), metrics))
    }

    /// [`CpuBackend::gradients`] without the flat copy: the part's gradients stay in the
    /// backend, per parameter tensor in [`CpuBackend::part_grads`], until the next step or
    /// part. [`CpuBackend::apply_adding`] then adds the other parts to them (one worker's part
    /// never leaves its wasm memory).
    pub fn keep_part_gradients(
        &mut self,
        batch: &TrainBatch,
        part: Range<usize>,
    ) -> Result<PartMetrics> {
        self.kept_part = None;
        if self.train_images.is_empty() {
            return Err(Error::Data("no image training set uploaded".into()));
        }
        if batch.indices.len() != self.batch {
            return Err(Error::Shape(format!(
                "batch of {} indices, the backend was built for {}",
                batch.indices.len(),
                self.batch
            )));
        }
        if part.start >= part.end || part.end > self.batch {
            return Err(Error::Shape(format!(
                "part {part:?} of a batch of {}",
                self.batch
            )));
        }
        let n = part.len();
        if self.part_work.as_ref().map(|w| w.n) != Some(n) {
            self.part_work = Some(self.model.train_workspace(n));
        }
        let ws = self.part_work.as_mut().expect("just built");
        let transforms = if batch.transforms.is_empty() {
            &[][..]
        } else {
            &batch.transforms[part.clone()]
        };
        gather_batch(
            &mut ws.input,
            &mut ws.labels,
            &self.train_images,
            &self.train_labels,
            &batch.indices[part.clone()],
            transforms,
        )?;
        let seed = Some(batch.seed);
        self.model.forward_at(ws, seed, part.start);
        let result = self.model.loss(ws);
        // The loss is this part's mean; the whole batch's mean weighs it by n / batch.
        let weight = n as f32 / self.batch as f32;
        for g in &mut ws.grad_out[..n * CLASSES] {
            *g *= weight;
        }
        self.model
            .backward_at(ws, &mut self.grads, seed, part.start);
        let metrics = PartMetrics {
            loss_sum: result.loss * n as f32,
            correct: result.correct,
            samples: n as u32,
        };
        self.kept_part = Some(metrics);
        Ok(metrics)
    }

    /// The kept part's gradients per parameter tensor (state_dict order).
    pub fn part_grads(&self) -> &[Vec<f32>] {
        &self.grads
    }

    /// The update with the kept part's gradients ([`CpuBackend::keep_part_gradients`]) plus
    /// `other` (the rest of the batch's parts summed, flat in state_dict order) and its metrics:
    /// the step [`CpuBackend::apply_gradients`] takes with all parts. Two parts add the same in
    /// either order, so the result is the same as summing them in part order.
    pub fn apply_adding(
        &mut self,
        other: &[f32],
        other_metrics: PartMetrics,
        opt: &OptimizerConfig,
    ) -> Result<()> {
        let kept = self.kept_part.ok_or_else(|| {
            Error::Config("no part's gradients are kept to add to (compute one first)".into())
        })?;
        let metrics = kept + other_metrics;
        self.check_whole_batch(other, metrics, opt)?;
        let mut rest = other;
        for g in &mut self.grads {
            let (head, tail) = rest.split_at(g.len());
            for (a, b) in g.iter_mut().zip(head) {
                *a += b;
            }
            rest = tail;
        }
        self.apply(
            metrics.loss_sum / metrics.samples as f32,
            metrics.correct,
            opt,
        );
        Ok(())
    }

    /// The optimizer update with `grads` (the parts' [`CpuBackend::gradients`] summed, flattened
    /// in state_dict order) and the summed metrics, recorded like a [`Backend::train_step`].
    pub fn apply_gradients(
        &mut self,
        grads: &[f32],
        metrics: PartMetrics,
        opt: &OptimizerConfig,
    ) -> Result<()> {
        self.check_whole_batch(grads, metrics, opt)?;
        let mut rest = grads;
        for g in &mut self.grads {
            let (head, tail) = rest.split_at(g.len());
            g.copy_from_slice(head);
            rest = tail;
        }
        self.apply(
            metrics.loss_sum / metrics.samples as f32,
            metrics.correct,
            opt,
        );
        Ok(())
    }

    /// What an update from summed parts needs: valid settings, one gradient value per parameter
    /// (flat, state_dict order) and metrics that count the whole batch.
    fn check_whole_batch(
        &self,
        grads: &[f32],
        metrics: PartMetrics,
        opt: &OptimizerConfig,
    ) -> Result<()> {
        opt.validate()?;
        if grads.len() != self.param_len() {
            return Err(Error::Shape(format!(
                "{} gradient values for {} parameters",
                grads.len(),
                self.param_len()
            )));
        }
        if metrics.samples as usize != self.batch {
            return Err(Error::Shape(format!(
                "metrics of {} samples for a batch of {}",
                metrics.samples, self.batch
            )));
        }
        Ok(())
    }
}
