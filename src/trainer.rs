//! The trainer: drives a backend through epochs of batches, keeps the metric history, applies
//! live optimizer changes, guards against a diverging loss, and evaluates on held-out data.
use crate::backend::{Backend, StepMetrics};
use crate::data::batches::BatchPlan;
use crate::data::dataset::Dataset;
use crate::data::mnist::Mnist;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::optim::OptimizerConfig;
use crate::schedule::Schedule;
use crate::spec::ModelSpec;
use crate::tensor::Param;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;

mod batch_size;
mod config;
mod divergence;
mod early_stop;
mod evaluate;
mod parallel;
mod snapshots;
mod train_data;
pub use config::{Augment, TrainerConfig};
pub use divergence::DivergenceWatch;
pub use evaluate::{argmax, Evaluation};
pub use parallel::{sum_parts, StepPlan};
pub use snapshots::{SnapshotHistory, SnapshotInfo, SNAPSHOT_CAP_BYTES};
use std::collections::VecDeque;
pub use train_data::{split, TrainData, OWN_EXAMPLES_MAX};

/// One step's metrics as the trainer reports them, with the settings it ran under.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepRecord {
    pub step: u64,
    pub epoch: usize,
    pub loss: f32,
    pub accuracy: f32,
    pub lr: f32,
}

/// Generic over what it trains on ([`Dataset`]): MNIST by default, the plane's feature rows
/// (src/points/) the other.
pub struct Trainer<D: Dataset = Mnist> {
    engine: Engine,
    spec: ModelSpec,
    config: TrainerConfig,
    plan: BatchPlan,
    pub train: D,
    pub validation: D,
    rng: ChaCha8Rng,
    steps_enqueued: u64,
    /// Backends count steps from their last `write_params`; this is the total at that moment.
    backend_base: u64,
    /// Learning rate of each enqueued step whose metrics have not been read yet, oldest first,
    /// so metrics read back later carry it (bounded by the backend's metrics ring).
    lr_pending: VecDeque<(u64, f32)>,
    /// The most recent [`HISTORY_KEEP`] steps (the page keeps the whole run, downsampled).
    history: VecDeque<StepRecord>,
    /// Weights followed by at least [`SNAPSHOT_EVERY`] healthy steps: the rollback target.
    last_good: Option<(u64, Vec<Param>)>,
    /// The newest snapshot, promoted to `last_good` once the steps after it stay healthy.
    candidate: Option<(u64, Vec<Param>)>,
    /// No step since `candidate` was taken was unhealthy (non-finite or above the limit).
    candidate_clean: bool,
    watch: DivergenceWatch,
    /// Own examples, their share of each batch, and the epoch numbering (train_data.rs).
    data: TrainData<D>,
    /// The learning-rate schedule over `config.optimizer.lr` (src/schedule.rs).
    schedule: Schedule,
    /// Full resumable states along the run, dense early and sparse later (snapshots.rs).
    snapshots: SnapshotHistory,
    /// Early stopping's best weights and their step (early_stop.rs).
    best: Option<(u64, Vec<Param>)>,
}

/// Steps of metric history the trainer itself keeps; hours of training must not grow memory.
pub const HISTORY_KEEP: usize = 4096;

/// How many steps pass between snapshots of known-good weights.
const SNAPSHOT_EVERY: u64 = 50;

impl Trainer {
    /// Split `data` into train/validation, upload the training part, and get ready to step.
    pub fn new(
        engine: Engine,
        spec: ModelSpec,
        config: TrainerConfig,
        data: &Mnist,
    ) -> Result<Self> {
        let (train, validation) = split(data, config.validation);
        Self::with_split(engine, spec, config, train, validation)
    }
}

impl<D: Dataset> Trainer<D> {
    /// A trainer on a training part and a validation set split by the caller (`Trainer::new`
    /// splits MNIST by `config.validation`; the plane splits its points itself).
    pub fn with_split(
        mut engine: Engine,
        spec: ModelSpec,
        config: TrainerConfig,
        train: D,
        validation: D,
    ) -> Result<Self> {
        // The page's limits (src/limits.rs), then what only the data decides.
        crate::limits::check_trainer(&config)?;
        config.optimizer.validate()?;
        let n_train = train.len();
        if config.batch == 0 || config.batch > n_train {
            return Err(Error::Config(format!(
                "batch {} must be in 1..={n_train}",
                config.batch
            )));
        }
        if engine.batch_size() != config.batch {
            return Err(Error::Config(
                "the backend was built for another batch size".into(),
            ));
        }
        engine.upload(train.as_train_set())?;
        let plan = BatchPlan::new(n_train, config.batch, config.shuffle, config.seed);
        // The starting weights are the first rollback point (a rate that wrecks the very first
        // update leaves nothing better); a GPU engine's are read back asynchronously, so its
        // owner hands them over with `set_rollback_point`.
        let start = match &engine {
            Engine::Cpu(cpu) => Some((0, cpu.params().to_vec())),
            _ => None,
        };
        let data = TrainData::new(config.seed, &train);
        Ok(Self {
            engine,
            spec,
            rng: ChaCha8Rng::seed_from_u64(config.seed ^ 0x5eed),
            config,
            plan,
            train,
            validation,
            steps_enqueued: 0,
            backend_base: 0,
            lr_pending: VecDeque::new(),
            history: VecDeque::new(),
            last_good: start,
            candidate: None,
            candidate_clean: true,
            watch: DivergenceWatch::default(),
            data,
            schedule: Schedule::default(),
            snapshots: SnapshotHistory::default(),
            best: None,
        })
    }

    pub fn engine(&mut self) -> &mut Engine {
        &mut self.engine
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    pub fn config(&self) -> &TrainerConfig {
        &self.config
    }

    pub fn epoch(&self) -> usize {
        self.plan.epoch
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.plan.steps_per_epoch()
    }

    pub fn steps_enqueued(&self) -> u64 {
        self.steps_enqueued
    }

    /// The most recent steps' records, oldest first (at most [`HISTORY_KEEP`]).
    pub fn history(&self) -> Vec<StepRecord> {
        self.history.iter().copied().collect()
    }

    /// Weights to roll back to if the run goes wrong before a healthy snapshot is taken (the
    /// starting weights of a GPU engine, which cannot be read back synchronously).
    pub fn set_rollback_point(&mut self, params: Vec<Param>) {
        self.last_good = Some((self.steps_enqueued, params));
    }

    /// The starting state as the history's first snapshot (`new` calls it on the CPU; a GPU
    /// engine's owner after `set_rollback_point`, when the starting weights are known).
    pub async fn snapshot_start(&mut self) -> Result<()> {
        if self.steps_enqueued == 0 && self.snapshots.list().is_empty() {
            let params = match &self.last_good {
                Some((0, p)) => p.clone(),
                _ => self.engine.read_params().await?,
            };
            self.keep_snapshot(params, None).await?;
        }
        Ok(())
    }

    /// Change optimizer knobs; the next step uses them. Nothing is rebuilt. Returns the step
    /// they apply from: the `step` of the first [`StepRecord`] that ran with them.
    pub fn set_optimizer(&mut self, optimizer: OptimizerConfig) -> Result<u64> {
        optimizer.validate()?;
        self.config.optimizer = optimizer;
        Ok(self.steps_enqueued)
    }

    /// Follow `schedule` from the next step on; the optimizer's `lr` stays its base rate.
    pub fn set_schedule(&mut self, schedule: Schedule) -> Result<u64> {
        schedule.validate()?;
        self.schedule = schedule;
        Ok(self.steps_enqueued)
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The optimizer settings the next step trains with: the scheduled rate at that step (a
    /// schedule that ends at 0 trains with the smallest positive f32: a rate must be positive).
    pub fn step_optimizer(&self) -> OptimizerConfig {
        let lr = self
            .schedule
            .rate(self.config.optimizer.lr, self.steps_enqueued);
        OptimizerConfig {
            lr: lr.max(f32::MIN_POSITIVE),
            ..self.config.optimizer
        }
    }

    pub fn set_augment(&mut self, augment: Augment) -> Result<()> {
        crate::limits::check_augment(&augment)?;
        self.config.augment = augment;
        Ok(())
    }

    /// Enqueue one training step on the next batch.
    pub fn step(&mut self) -> Result<()> {
        let plan = self.plan_step();
        let optimizer = self.step_optimizer();
        self.engine.train_step(&plan.batch(), &optimizer)?;
        self.record_step(optimizer.lr);
        self.snapshot_cpu_if_due();
        Ok(())
    }

    fn record_step(&mut self, lr: f32) {
        self.lr_pending.push_back((self.steps_enqueued, lr));
        self.steps_enqueued += 1;
    }

    /// Collect metrics of the steps run since the last call. A non-finite loss rolls the weights
    /// back to the last good snapshot and returns `Error::NonFinite`; a finite loss that stays
    /// far above the run's start (see [`divergence`]) does the same with `Error::Diverged`. The
    /// history keeps the steps before.
    pub async fn poll(&mut self) -> Result<Vec<StepRecord>> {
        let metrics = self.engine.take_metrics().await?;
        let mut fresh = Vec::with_capacity(metrics.len());
        for StepMetrics {
            step,
            loss,
            correct,
            samples,
        } in metrics
        {
            let step = self.backend_base + step;
            if !loss.is_finite() {
                let what = if loss.is_nan() { "NaN" } else { "infinite" };
                return Err(self.roll_back(step, Error::NonFinite, what.into()).await);
            }
            if let Some(diverged) = self.watch.observe(loss) {
                let why = diverged.explain(step, self.config.optimizer.lr);
                return Err(self.roll_back(step, Error::Diverged, why).await);
            }
            if self.watch.over_limit() {
                self.candidate_clean = false;
            }
            let record = StepRecord {
                step,
                epoch: self.epoch_of(step),
                loss,
                accuracy: correct as f32 / samples.max(1) as f32,
                lr: self.lr_of(step),
            };
            if self.history.len() == HISTORY_KEEP {
                self.history.pop_front();
            }
            self.history.push_back(record);
            self.settle_snapshot(step, loss);
            fresh.push(record);
        }
        if let Some(last) = fresh.last() {
            self.snapshot_if_due(Some(last.loss)).await?;
        }
        let due = self
            .candidate
            .as_ref()
            .is_none_or(|(s, _)| self.steps_enqueued >= s + SNAPSHOT_EVERY);
        if due && !fresh.is_empty() && self.watch.trusted() {
            // The history's snapshot of this very step, when one was just taken: no second read.
            let params = match self.snapshot_params_at(self.steps_enqueued) {
                Some(p) => p.to_vec(),
                None => self.engine.read_params().await?,
            };
            if params
                .iter()
                .all(|p| p.tensor.data.iter().all(|v| v.is_finite()))
            {
                // The old candidate has now been followed by SNAPSHOT_EVERY steps: if all were
                // healthy it is worth rolling back to.
                if self.candidate_clean {
                    if let Some(c) = self.candidate.take() {
                        self.last_good = Some(c);
                    }
                }
                self.candidate = Some((self.steps_enqueued, params));
                self.candidate_clean = true;
            }
        }
        Ok(fresh)
    }

    /// The learning rate step `step` ran with (recorded when it was enqueued).
    fn lr_of(&mut self, step: u64) -> f32 {
        while let Some(&(s, lr)) = self.lr_pending.front() {
            if s > step {
                break;
            }
            self.lr_pending.pop_front();
            if s == step {
                return lr;
            }
        }
        self.config.optimizer.lr
    }

    /// Back to the newest weights that were followed only by healthy steps; the watch restarts
    /// from them. `kind` wraps the message (NaN or divergence).
    async fn roll_back(&mut self, step: u64, kind: fn(String) -> Error, what: String) -> Error {
        // Drain whatever else is queued so the next poll starts clean.
        let _ = self.engine.take_metrics().await;
        self.lr_pending.clear();
        self.watch.restart();
        let target = if self.candidate_clean {
            self.candidate.clone().or_else(|| self.last_good.clone())
        } else {
            self.last_good.clone()
        };
        match target {
            Some((good_step, params)) => match self.engine.write_params(&params) {
                Ok(()) => {
                    self.backend_base = self.steps_enqueued;
                    self.candidate = Some((good_step, params));
                    self.candidate_clean = true;
                    kind(format!(
                        "{what} at step {step}; weights rolled back to those after step {good_step}"
                    ))
                }
                Err(e) => e,
            },
            None => kind(format!("{what} at step {step}, before any good snapshot")),
        }
    }

    /// Replace the weights (e.g. loaded from a file); optimizer state restarts.
    pub fn load_params(&mut self, params: &[Param]) -> Result<()> {
        self.engine.write_params(params)?;
        self.backend_base = self.steps_enqueued;
        self.last_good = Some((self.steps_enqueued, params.to_vec()));
        self.candidate = None;
        self.candidate_clean = true;
        self.watch.restart();
        Ok(())
    }
}

/// An affine map from output pixel to source point: rotate about the image centre, then shift.
fn random_transform(rng: &mut ChaCha8Rng, augment: Augment) -> [f32; 6] {
    let mut signed = || ((rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32) * 2.0 - 1.0;
    let angle = (signed() * augment.rotate).to_radians();
    let (dx, dy) = (signed() * augment.shift, signed() * augment.shift);
    let (sin, cos) = angle.sin_cos();
    let c = 13.5;
    // source = R(-angle) (p - c) + c - d
    [
        cos,
        sin,
        c - cos * c - sin * c - dx,
        -sin,
        cos,
        c + sin * c - cos * c - dy,
    ]
}
