//! The run's history as resumable states: while training, the trainer keeps snapshots of
//! everything the next step depends on (weights, optimizer state, the batch order and its place
//! in it, the augmentation/dropout generator, the divergence watch), so a past step can be looked
//! at (its weights) or trained on from (`resume_from`: the steps that follow are the ones the
//! original run took, when nothing else changed).
//!
//! **Which steps are kept.** A snapshot is due once the run has moved `max(1, step / DENSITY)`
//! steps past the last one. On the CPU it is taken right after the step that makes it due (the
//! weights are at hand; its loss and divergence watch are filled in when that step's metrics are
//! read); on the GPU at the next metrics read (reading weights back is asynchronous there), so
//! at most one per training cycle. Over the
//! memory cap (64 MB by default) or [`MAX_SNAPSHOTS`], the interior snapshot whose removal leaves
//! the smallest gap *relative to its step* goes, so the kept steps thin out roughly
//! geometrically: the early run stays dense (where the weights change fastest), the late run
//! sparse; the first and the newest are always kept.
//!
//! The divergence rollback reuses these reads: a rollback candidate due at the same step takes
//! the snapshot's weights instead of reading them again (src/trainer.rs `poll`).
use super::{DivergenceWatch, Trainer};
use crate::backend::Backend;
use crate::data::batches::BatchPlan;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::optim::OptimizerMoments;
use crate::tensor::Param;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The default memory cap of all snapshots together.
pub const SNAPSHOT_CAP_BYTES: usize = 64 << 20;
/// At most this many snapshots, however small the model (thinning costs O(n) per removal).
pub const MAX_SNAPSHOTS: usize = 512;
/// A snapshot is due every `step / DENSITY` steps (at least every step).
const DENSITY: u64 = 64;

/// One kept state: the run just before step `step` trains (after `step` steps).
#[derive(Clone)]
struct Snapshot {
    info: SnapshotInfo,
    params: Vec<Param>,
    moments: OptimizerMoments,
    plan: BatchPlan,
    rng: ChaCha8Rng,
    watch: DivergenceWatch,
    bytes: usize,
}

/// What the page lists: the step (weights after that many steps), its epoch and the loss of the
/// step before it (`None` at the start).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SnapshotInfo {
    pub step: u64,
    pub epoch: usize,
    pub loss: Option<f32>,
}

pub struct SnapshotHistory {
    kept: Vec<Snapshot>,
    bytes: usize,
    cap: usize,
}

impl Default for SnapshotHistory {
    fn default() -> Self {
        Self {
            kept: Vec::new(),
            bytes: 0,
            cap: SNAPSHOT_CAP_BYTES,
        }
    }
}

impl SnapshotHistory {
    pub fn list(&self) -> Vec<SnapshotInfo> {
        self.kept.iter().map(|s| s.info).collect()
    }

    /// Bytes the kept snapshots hold (weights, optimizer state, batch order).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// A new cap (0 keeps nothing); thins at once.
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap;
        self.thin();
    }

    fn due(&self, step: u64) -> bool {
        if self.cap == 0 {
            return false;
        }
        match self.kept.last() {
            None => true,
            Some(last) => step > last.info.step && step - last.info.step >= (step / DENSITY).max(1),
        }
    }

    /// The kept snapshot nearest to `step` (the earlier one on a tie).
    fn nearest(&self, step: u64) -> Option<&Snapshot> {
        self.kept
            .iter()
            .min_by_key(|s| (s.info.step.abs_diff(step), s.info.step))
    }

    /// The metrics of step `step - 1` are in: the snapshot at `step` (taken before they were)
    /// gets that step's loss and the divergence watch as it stands after it.
    fn settle(&mut self, step: u64, loss: f32, watch: &DivergenceWatch) {
        if let Some(s) = self.kept.iter_mut().rev().find(|s| s.info.step == step) {
            if s.info.loss.is_none() {
                s.info.loss = Some(loss);
                s.watch = watch.clone();
            }
        }
    }

    fn push(&mut self, snapshot: Snapshot) {
        // A state at or before the newest one starts a new branch: what followed is gone.
        self.truncate_after(snapshot.info.step.saturating_sub(1));
        self.bytes += snapshot.bytes;
        self.kept.push(snapshot);
        self.thin();
    }

    /// Forget the snapshots after `step`.
    fn truncate_after(&mut self, step: u64) {
        while self.kept.last().is_some_and(|s| s.info.step > step) {
            let s = self.kept.pop().expect("checked");
            self.bytes -= s.bytes;
        }
    }

    fn thin(&mut self) {
        while self.bytes > self.cap || self.kept.len() > MAX_SNAPSHOTS {
            let victim = if self.kept.len() > 2 {
                // The interior snapshot whose neighbours are closest relative to where it is.
                (1..self.kept.len() - 1)
                    .min_by(|&a, &b| {
                        let gap = |i: usize| {
                            let s = |j: usize| self.kept[j].info.step as f64;
                            (s(i + 1) - s(i - 1)) / s(i).max(1.0)
                        };
                        gap(a).total_cmp(&gap(b))
                    })
                    .expect("at least one interior snapshot")
            } else if !self.kept.is_empty() {
                0
            } else {
                break;
            };
            let s = self.kept.remove(victim);
            self.bytes -= s.bytes;
        }
    }
}

impl<D: crate::data::dataset::Dataset> Trainer<D> {
    pub fn snapshots(&self) -> &SnapshotHistory {
        &self.snapshots
    }

    pub fn set_snapshot_cap(&mut self, bytes: usize) {
        self.snapshots.set_cap(bytes);
    }

    /// On the CPU, a snapshot after the step just enqueued when one is due (called from `step`
    /// and `finish_step`, when the batch order and generator are exactly at `steps_enqueued`).
    pub(super) fn snapshot_cpu_if_due(&mut self) {
        let Engine::Cpu(cpu) = &self.engine else {
            return;
        };
        if !self.snapshots.due(self.steps_enqueued) {
            return;
        }
        let (params, moments) = (cpu.params().to_vec(), cpu.moments());
        self.push_snapshot(params, moments, None);
    }

    /// Step `step`'s metrics were read (`poll`): settle the snapshot taken after it.
    pub(super) fn settle_snapshot(&mut self, step: u64, loss: f32) {
        self.snapshots.settle(step + 1, loss, &self.watch);
    }

    /// Take a snapshot now if one is due (called from `poll` once the steps' metrics are in).
    pub(super) async fn snapshot_if_due(&mut self, loss: Option<f32>) -> Result<()> {
        if self.snapshots.due(self.steps_enqueued) {
            let params = self.engine.read_params().await?;
            if params
                .iter()
                .all(|p| p.tensor.data.iter().all(|v| v.is_finite()))
            {
                self.keep_snapshot(params, loss).await?;
            }
        }
        Ok(())
    }

    /// Keep `params` (the weights after `steps_enqueued` steps) with the rest of the state.
    pub(super) async fn keep_snapshot(
        &mut self,
        params: Vec<Param>,
        loss: Option<f32>,
    ) -> Result<()> {
        if self.snapshots.cap == 0 {
            return Ok(());
        }
        let moments = self.engine.read_moments().await?;
        self.push_snapshot(params, moments, loss);
        Ok(())
    }

    fn push_snapshot(&mut self, params: Vec<Param>, moments: OptimizerMoments, loss: Option<f32>) {
        if self.snapshots.cap == 0 {
            return;
        }
        let step = self.steps_enqueued;
        let bytes = params.iter().map(|p| 4 * p.tensor.len()).sum::<usize>()
            + moments.bytes()
            + 4 * self.plan.steps_per_epoch() * self.config.batch;
        let epoch = self.epoch_of(step);
        self.snapshots.push(Snapshot {
            info: SnapshotInfo { step, epoch, loss },
            params,
            moments,
            plan: self.plan.clone(),
            rng: self.rng.clone(),
            watch: self.watch.clone(),
            bytes,
        });
    }

    /// The weights of the kept snapshot at `step`, if one is kept there exactly.
    pub(super) fn snapshot_params_at(&self, step: u64) -> Option<&[Param]> {
        self.snapshots
            .kept
            .iter()
            .find(|s| s.info.step == step)
            .map(|s| &s.params[..])
    }

    /// The kept snapshot nearest to `step`: its info and weights (state_dict order).
    pub fn snapshot_params(&self, step: u64) -> Result<(SnapshotInfo, &[Param])> {
        let s = self.snapshots.nearest(step).ok_or_else(no_snapshots)?;
        Ok((s.info, &s.params))
    }

    /// Go back to the kept snapshot nearest to `step`: weights, optimizer state, batch order,
    /// generator and step count as they were, the metric history cut there, and the snapshots
    /// after it dropped (that branch is abandoned). The next step trains the batch the original
    /// run trained after that step, with the same optimizer state. Resolves to the step used.
    pub async fn resume_from(&mut self, step: u64) -> Result<SnapshotInfo> {
        let s = self
            .snapshots
            .nearest(step)
            .ok_or_else(no_snapshots)?
            .clone();
        // Whatever is still queued belongs to the abandoned branch.
        let _ = self.engine.take_metrics().await;
        self.engine.write_params(&s.params)?;
        self.engine.write_moments(&s.moments)?;
        let at = s.info.step;
        self.plan = s.plan;
        self.rng = s.rng;
        self.watch = s.watch;
        self.steps_enqueued = at;
        self.fit_plan_to_data(at, s.info.epoch);
        self.backend_base = at;
        self.lr_pending.clear();
        self.history.retain(|r| r.step < at);
        self.snapshots.truncate_after(at);
        self.last_good = Some((at, s.params));
        self.candidate = None;
        self.candidate_clean = true;
        Ok(s.info)
    }
}

fn no_snapshots() -> Error {
    Error::Config("no snapshots are kept yet (train a few steps first)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history_of(steps: &[u64], each: usize, cap: usize) -> SnapshotHistory {
        let mut h = SnapshotHistory {
            cap,
            ..Default::default()
        };
        for &step in steps {
            h.bytes += each;
            h.kept.push(Snapshot {
                info: SnapshotInfo {
                    step,
                    epoch: 0,
                    loss: None,
                },
                params: Vec::new(),
                moments: OptimizerMoments::default(),
                plan: BatchPlan::new(4, 1, true, 1),
                rng: rand_core::SeedableRng::seed_from_u64(1),
                watch: DivergenceWatch::default(),
                bytes: each,
            });
            h.thin();
        }
        h
    }

    #[test]
    fn thinning_keeps_the_cap_the_ends_and_a_dense_start() {
        // Every step of 10,000 offered, room for 40.
        let steps: Vec<u64> = (0..10_000).collect();
        let h = history_of(&steps, 100, 4000);
        let kept: Vec<u64> = h.list().iter().map(|s| s.step).collect();
        assert_eq!(kept.len(), 40);
        assert_eq!(h.bytes(), 4000);
        assert_eq!((kept[0], kept[39]), (0, 9999));
        // Dense early, sparse late: more of them in the first tenth than in the last half.
        let early = kept.iter().filter(|&&s| s < 1000).count();
        let late = kept.iter().filter(|&&s| s >= 5000).count();
        assert!(early > late, "early {early}, late {late}: {kept:?}");
    }

    #[test]
    fn due_spacing_grows_with_the_step_and_a_zero_cap_keeps_nothing() {
        let h = history_of(&[0, 640], 1, 100);
        assert!(!h.due(645), "645 needs 645/64 = 10 steps after 640");
        assert!(h.due(650));
        let mut h = history_of(&[0, 5], 1, 100);
        h.set_cap(0);
        assert!(h.list().is_empty() && h.bytes() == 0 && !h.due(100));
    }
}
