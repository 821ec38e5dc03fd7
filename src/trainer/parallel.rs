//! Steps split across workers (data parallel, CPU backend): the trainer plans a step's batch as
//! plain data, any worker holding the same training set computes a part of its gradient, and
//! the trainer applies the parts' sum. The result is the step [`Trainer::step`] would take.
use super::{random_transform, Trainer};
use crate::backend::{Backend, TrainBatch};
use crate::cpu::{CpuBackend, PartMetrics};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::tensor::{flatten, unflatten, Param};
use rand_core::RngCore;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// One step's batch as plain data, so that other workers can compute parts of it: the trainer
/// plans it ([`Trainer::plan_step`]), anyone with the same training set computes a part's
/// gradients ([`Trainer::part_gradients`]), and the trainer applies their sum
/// ([`Trainer::finish_step`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepPlan {
    /// Indices into the training part of the data (after the validation split).
    pub indices: Vec<u32>,
    /// One transform per sample (see [`TrainBatch::transforms`]), or empty.
    pub transforms: Vec<[f32; 6]>,
    /// The dropout seed.
    pub seed: u32,
}

impl StepPlan {
    pub fn batch(&self) -> TrainBatch<'_> {
        TrainBatch {
            indices: &self.indices,
            transforms: &self.transforms,
            seed: self.seed,
        }
    }
}

impl<D: crate::data::dataset::Dataset> Trainer<D> {
    /// The next step's batch, drawn exactly as [`Trainer::step`] would draw it, without running
    /// it. The batch is used up: finish the step with [`Trainer::finish_step`], or the next plan
    /// is the batch after it.
    pub fn plan_step(&mut self) -> StepPlan {
        let augment = self.config.shuffle
            && (self.config.augment.shift > 0.0 || self.config.augment.rotate > 0.0);
        let transforms = if augment {
            (0..self.config.batch)
                .map(|_| random_transform(&mut self.rng, self.config.augment))
                .collect()
        } else {
            Vec::new()
        };
        let seed = if self.config.shuffle {
            self.rng.next_u32()
        } else {
            0
        };
        let mut indices = self.plan.next_batch().to_vec();
        self.mix_own(&mut indices);
        StepPlan {
            indices,
            transforms,
            seed,
        }
    }

    fn cpu(&mut self) -> Result<&mut CpuBackend> {
        match &mut self.engine {
            Engine::Cpu(cpu) => Ok(cpu),
            Engine::Gpu(_) => Err(Error::Config(
                "steps split across workers need the CPU backend".into(),
            )),
        }
    }

    /// Gradient contribution of samples `part` of `plan` to the whole batch's mean loss, flat
    /// in state_dict order (see [`CpuBackend::gradients`]); updates nothing. Parts that tile
    /// the batch sum to the gradient of one [`Trainer::step`]. CPU backend only.
    pub fn part_gradients(
        &mut self,
        plan: &StepPlan,
        part: Range<usize>,
    ) -> Result<(Vec<f32>, PartMetrics)> {
        check_transforms(plan)?;
        self.cpu()?.gradients(&plan.batch(), part)
    }

    /// [`Trainer::part_gradients`] kept in the backend (per tensor in [`Trainer::part_grads`])
    /// instead of copied out: [`Trainer::finish_step_adding`] adds the other parts to them.
    pub fn keep_part_gradients(
        &mut self,
        plan: &StepPlan,
        part: Range<usize>,
    ) -> Result<PartMetrics> {
        check_transforms(plan)?;
        self.cpu()?.keep_part_gradients(&plan.batch(), part)
    }

    /// The kept part's gradients per parameter tensor, state_dict order.
    pub fn part_grads(&mut self) -> Result<&[Vec<f32>]> {
        Ok(self.cpu()?.part_grads())
    }

    /// [`Trainer::finish_step`] with the kept part plus `other` (the other parts' gradients
    /// summed, flat) and `other`'s metrics.
    pub fn finish_step_adding(&mut self, other: &[f32], metrics: PartMetrics) -> Result<()> {
        let optimizer = self.step_optimizer();
        self.cpu()?.apply_adding(other, metrics, &optimizer)?;
        self.record_step(optimizer.lr);
        self.snapshot_cpu_if_due();
        Ok(())
    }

    /// Finish a planned step with its parts' summed gradients and metrics: the optimizer update
    /// runs with the current settings and the step is recorded like a [`Trainer::step`] (its
    /// metrics come out of [`Trainer::poll`], with NaN rollback and epoch counting).
    pub fn finish_step(&mut self, grads: &[f32], metrics: PartMetrics) -> Result<()> {
        let optimizer = self.step_optimizer();
        self.cpu()?.apply_gradients(grads, metrics, &optimizer)?;
        self.record_step(optimizer.lr);
        self.snapshot_cpu_if_due();
        Ok(())
    }

    /// All parameters flat in state_dict order (the layout of [`Trainer::part_gradients`]).
    pub async fn params_flat(&mut self) -> Result<Vec<f32>> {
        if let Engine::Cpu(cpu) = &self.engine {
            return Ok(flatten(cpu.params()));
        }
        Ok(flatten(&self.engine.read_params().await?))
    }

    /// The CPU backend's parameters in state_dict order, without a copy (for writing them
    /// straight into a message to another worker).
    pub fn cpu_params(&mut self) -> Result<&[Param]> {
        Ok(self.cpu()?.params())
    }

    /// The CPU backend's parameters to overwrite in place, e.g. straight from another worker's
    /// message (optimizer state restarts, as with [`Trainer::set_params_flat`]).
    pub fn cpu_params_to_overwrite(&mut self) -> Result<&mut [Param]> {
        self.cpu()?;
        self.backend_base = self.steps_enqueued;
        Ok(self.cpu()?.params_to_overwrite())
    }

    /// Replace the weights from a flat state_dict-order vector, as [`Trainer::params_flat`]
    /// gives them. Like a load, optimizer state restarts; unlike [`Trainer::load_params`] the
    /// rollback snapshot stays (a helper worker calls this before every part it computes).
    pub fn set_params_flat(&mut self, flat: &[f32]) -> Result<()> {
        if let Engine::Cpu(cpu) = &mut self.engine {
            cpu.set_params_flat(flat)?;
        } else {
            let params = unflatten(self.spec.param_shapes()?, flat)?;
            self.engine.write_params(&params)?;
        }
        self.backend_base = self.steps_enqueued;
        Ok(())
    }
}

fn check_transforms(plan: &StepPlan) -> Result<()> {
    if !plan.transforms.is_empty() && plan.transforms.len() != plan.indices.len() {
        return Err(Error::Shape(format!(
            "{} transforms for a batch of {}",
            plan.transforms.len(),
            plan.indices.len()
        )));
    }
    Ok(())
}

/// The parts' gradients summed in part order (so every worker adds them alike), and their
/// metrics summed: what [`Trainer::finish_step`] takes.
pub fn sum_parts(parts: Vec<(Vec<f32>, PartMetrics)>) -> Result<(Vec<f32>, PartMetrics)> {
    let mut parts = parts.into_iter();
    let (mut total, mut metrics) = parts
        .next()
        .ok_or_else(|| Error::Config("a step needs at least one part".into()))?;
    for (i, (grads, m)) in parts.enumerate() {
        if grads.len() != total.len() {
            return Err(Error::Shape(format!(
                "parts[{}] has {} gradient values, parts[0] {}",
                i + 1,
                grads.len(),
                total.len()
            )));
        }
        for (a, b) in total.iter_mut().zip(&grads) {
            *a += b;
        }
        metrics = metrics + m;
    }
    Ok((total, metrics))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(grads: &[f32], loss_sum: f32, correct: u32, samples: u32) -> (Vec<f32>, PartMetrics) {
        let m = PartMetrics {
            loss_sum,
            correct,
            samples,
        };
        (grads.to_vec(), m)
    }

    #[test]
    fn sum_parts_adds_gradients_and_metrics() {
        let parts = vec![part(&[1.0, 2.0], 0.5, 1, 3), part(&[0.25, -2.0], 1.5, 2, 4)];
        let (grads, m) = sum_parts(parts).unwrap();
        assert_eq!(grads, vec![1.25, 0.0]);
        assert_eq!(m, part(&[], 2.0, 3, 7).1);
    }

    #[test]
    fn sum_parts_refuses_no_parts_and_mismatched_lengths() {
        assert!(sum_parts(Vec::new()).is_err());
        let err = sum_parts(vec![part(&[1.0], 0.0, 0, 1), part(&[1.0, 2.0], 0.0, 0, 1)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("parts[1] has 2"), "{err}");
    }
}
