//! `PlaneTrainer`: the plane on the engine. The config becomes a spec ([`PlaneConfig::spec`]),
//! the points become feature rows ([`PointRows`]), and the engine's own
//! [`Trainer`] trains them on an [`Engine`] (the CPU by default, the GPU on request): the same
//! batch plans, optimizers (SGD, momentum, Adam, L2, L1, changed live), NaN and divergence
//! rollback as MNIST's runs.
//!
//! The plane's nets are tiny (at most 6 x 8 neurons): a CPU step is microseconds and a GPU
//! dispatch costs more than the whole step, so the CPU is the default. Either way the weights
//! are read back after every call that changes them into a CPU [`Model`] that the metrics,
//! heatmaps and `weights()` read ([`super::evaluate`]).
//!
//! Every method that talks to the engine is `async` (a GPU reads back asynchronously); the
//! plain ones run them to completion on the CPU, where they never wait, and refuse a GPU plane
//! (build it with [`PlaneTrainer::create`] and step it with [`PlaneTrainer::step_async`]).
use super::config::PlaneConfig;
use super::evaluate::{grid_outputs, set_metrics};
use super::generate::{generate, MAX_POINTS};
use super::rows::PointRows;
use super::Points;
use crate::backend::Backend;
use crate::cpu::Model;
use crate::engine::{build_engine_for, BackendChoice, Engine};
use crate::error::{Error, Result};
use crate::init::init_params_for;
use crate::limits::SEED_MAX;
use crate::optim::OptimizerConfig;
use crate::tensor::Param;
use crate::trainer::{Trainer, TrainerConfig};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

pub use super::evaluate::{mse, softmax_rows, GridOutputs, SetMetrics};

pub struct PlaneTrainer {
    config: PlaneConfig,
    trainer: Trainer<PointRows>,
    /// The engine's weights as of the last call, in a CPU model (see the module doc).
    model: Model,
    pub train: Points,
    pub test: Points,
    train_rows: PointRows,
    test_rows: PointRows,
    /// L2 norm of each parameter tensor's gradient at the last step (state_dict order).
    grad_norms: Vec<f32>,
    /// The live weights while `model` shows a kept snapshot ([`PlaneTrainer::view_params_flat`]).
    live: Option<Vec<Param>>,
}

/// Run an engine call that cannot wait: every call on a CPU engine completes at once.
fn at_once<T>(call: impl Future<Output = Result<T>>) -> Result<T> {
    match pin!(call).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result,
        Poll::Pending => Err(Error::Config(
            "this call waits for the GPU: use the plane's async methods".into(),
        )),
    }
}

/// `NaN at step 12; weights rolled back ...` with what to do about it.
fn advise(e: Error) -> Error {
    let hint = |m: String| {
        if m.contains("learning rate") {
            m
        } else {
            format!("{m}: lower the learning rate")
        }
    };
    match e {
        Error::NonFinite(m) => Error::NonFinite(hint(m)),
        Error::Diverged(m) => Error::Diverged(hint(m)),
        other => other,
    }
}

impl PlaneTrainer {
    /// Generate the data, split it and build a fresh model, all from `config.seed`, on the CPU
    /// (`config.backend` must be `cpu`; a GPU plane is built with [`PlaneTrainer::create`]).
    pub fn new(config: PlaneConfig) -> Result<Self> {
        Self::cpu_only(&config)?;
        at_once(Self::create(config))
    }

    /// [`PlaneTrainer::new`] on the backend `config.backend` names.
    pub async fn create(config: PlaneConfig) -> Result<Self> {
        config.validate()?;
        let points = generate(
            config.dataset,
            config.classes,
            config.points,
            config.noise,
            config.seed,
        )?;
        let (train, test) = points.split(config.ratio, config.seed)?;
        Self::create_with_points(config, train, test).await
    }

    /// Train on given points (e.g. the four corners of boolean XOR) instead of generated ones;
    /// their targets must be of `config`'s problem and class count. `dataset`, `points`,
    /// `noise` and `ratio` of `config` are not used.
    pub fn with_points(config: PlaneConfig, train: Points, test: Points) -> Result<Self> {
        Self::cpu_only(&config)?;
        at_once(Self::create_with_points(config, train, test))
    }

    /// [`PlaneTrainer::with_points`] on the backend `config.backend` names.
    pub async fn create_with_points(
        config: PlaneConfig,
        train: Points,
        test: Points,
    ) -> Result<Self> {
        config.validate()?;
        if train.is_empty() {
            return Err(Error::Data("no training points".into()));
        }
        for set in [&train, &test] {
            if set.outputs() != config.outputs() {
                return Err(Error::Data(format!(
                    "points with {} outputs for a model with {}",
                    set.outputs(),
                    config.outputs()
                )));
            }
        }
        let (spec, io) = (config.spec(), config.io());
        let params = init_params_for(&spec, io, config.seed)?;
        let model = Model::with_io(&spec, &params, io)?;
        let batch = config.batch.min(train.len());
        let (engine, _) = build_engine_for(config.backend, &spec, io, &params, batch).await?;
        let trainer_config = TrainerConfig {
            batch,
            optimizer: config.optimizer,
            seed: config.seed % (SEED_MAX + 1),
            shuffle: true,
            ..TrainerConfig::default()
        };
        let train_rows = PointRows::new(&train, &config.features);
        let test_rows = PointRows::new(&test, &config.features);
        let mut trainer = Trainer::with_split(
            engine,
            spec,
            trainer_config,
            train_rows.clone(),
            test_rows.clone(),
        )?;
        if matches!(trainer.engine(), Engine::Gpu(_)) {
            // A GPU engine's starting weights cannot be read back at once: hand them over.
            trainer.set_rollback_point(params.clone());
        }
        trainer.snapshot_start().await?;
        Ok(Self {
            grad_norms: vec![0.0; params.len()],
            live: None,
            config,
            trainer,
            model,
            train,
            test,
            train_rows,
            test_rows,
        })
    }

    fn cpu_only(config: &PlaneConfig) -> Result<()> {
        if config.backend == BackendChoice::Cpu {
            Ok(())
        } else {
            Err(Error::Config(
                "a GPU plane is built and stepped through the async methods".into(),
            ))
        }
    }

    /// Refuse a plain (non-async) engine call on a GPU plane before it starts.
    fn on_cpu(&mut self) -> Result<()> {
        match self.trainer.engine() {
            Engine::Cpu(_) => Ok(()),
            Engine::Gpu(_) => Self::cpu_only(&self.config),
        }
    }

    pub fn config(&self) -> &PlaneConfig {
        &self.config
    }

    /// `"cpu"` or `"gpu"`: the backend that trains (with `auto`, the one it found).
    pub fn backend(&mut self) -> &'static str {
        self.trainer.engine().info().kind
    }

    /// The weights as of the last call, in a CPU model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn steps(&self) -> u64 {
        self.trainer.steps_enqueued()
    }

    pub fn grad_norms(&self) -> &[f32] {
        &self.grad_norms
    }

    /// Every weight and bias, in state_dict order, one flat list (a history snapshot).
    pub fn params_flat(&self) -> Vec<f32> {
        self.model
            .params
            .iter()
            .flat_map(|p| p.tensor.data.iter().copied())
            .collect()
    }

    /// Replace the weights with a [`PlaneTrainer::params_flat`] list (to show or restore a
    /// snapshot). The optimizer state is kept: writing back the live weights after a look at
    /// an old snapshot leaves training exactly where it was.
    pub fn set_params_flat(&mut self, flat: &[f32]) -> Result<()> {
        self.on_cpu()?;
        at_once(self.set_params_flat_async(flat))
    }

    /// [`PlaneTrainer::set_params_flat`] on either backend.
    pub async fn set_params_flat_async(&mut self, flat: &[f32]) -> Result<()> {
        let params = self.params_from_flat(flat)?;
        let engine = self.trainer.engine();
        let moments = engine.read_moments().await?;
        self.trainer.load_params(&params)?;
        self.trainer.engine().write_moments(&moments)?;
        self.model.params = params;
        self.live = None;
        Ok(())
    }

    /// Show a [`PlaneTrainer::params_flat`] list (a kept snapshot) in what the metrics, the
    /// grid and `model()` read, without touching the engine; `None` shows the live weights
    /// again. Needs no engine call, so it serves a GPU plane as well as a CPU one.
    pub fn view_params_flat(&mut self, flat: Option<&[f32]>) -> Result<()> {
        match flat {
            Some(flat) => {
                let shown = self.params_from_flat(flat)?;
                let live = std::mem::replace(&mut self.model.params, shown);
                self.live.get_or_insert(live);
            }
            None => {
                if let Some(live) = self.live.take() {
                    self.model.params = live;
                }
            }
        }
        Ok(())
    }

    fn params_from_flat(&self, flat: &[f32]) -> Result<Vec<Param>> {
        let total: usize = self.model.params.iter().map(|p| p.tensor.data.len()).sum();
        if flat.len() != total {
            return Err(Error::Shape(format!(
                "{} values for a model of {total} parameters",
                flat.len()
            )));
        }
        if let Some(i) = flat.iter().position(|v| !v.is_finite()) {
            return Err(Error::Shape(format!("parameter {i} is {}", flat[i])));
        }
        let mut rest = flat;
        let mut params = self.model.params.clone();
        for p in &mut params {
            let (head, tail) = rest.split_at(p.tensor.data.len());
            p.tensor.data.copy_from_slice(head);
            rest = tail;
        }
        Ok(params)
    }

    /// Steps that make one pass over the training points (TensorFlow Playground's "epoch").
    pub fn steps_per_epoch(&self) -> usize {
        self.trainer.steps_per_epoch()
    }

    /// Change the learning rate, L1, L2 or optimizer kind from the next step on.
    pub fn set_optimizer(&mut self, optimizer: OptimizerConfig) -> Result<()> {
        optimizer.validate()?;
        self.trainer.set_optimizer(optimizer)?;
        self.config.optimizer = optimizer;
        Ok(())
    }

    /// Add a training point (clicked on the plane); the batches include it from the next epoch,
    /// which starts now. A batch capped by a small set (`min(config.batch, train points)`) grows
    /// with it: on the CPU at once, on a GPU plane at the next [`PlaneTrainer::step_async`]
    /// (building a GPU engine waits). Weights, optimizer state and step count carry over.
    pub fn add_point(&mut self, x: f32, y: f32, target: f32) -> Result<()> {
        if self.train.len() + self.test.len() >= MAX_POINTS {
            return Err(Error::Data(format!(
                "the plane holds at most {MAX_POINTS} points"
            )));
        }
        let mut train = self.train.clone();
        train.push(x, y, target)?;
        let rows = PointRows::new(&train, &self.config.features);
        self.trainer
            .replace_split(rows.clone(), self.test_rows.clone())?;
        self.train = train;
        self.train_rows = rows;
        match self.trainer.engine() {
            Engine::Cpu(_) => at_once(self.fit_batch()),
            Engine::Gpu(_) => Ok(()),
        }
    }

    /// The batch size the engine trains with: `min(config.batch, train points)` once the batch
    /// has caught up with added points.
    pub fn batch(&self) -> usize {
        self.trainer.config().batch
    }

    /// Move the trainer to an engine built for `min(config.batch, train points)` when the
    /// training set has outgrown the batch the engine was built for (see `add_point`).
    async fn fit_batch(&mut self) -> Result<()> {
        let batch = self.config.batch.min(self.train.len());
        if batch == self.batch() {
            return Ok(());
        }
        let choice = match self.trainer.engine() {
            Engine::Cpu(_) => BackendChoice::Cpu,
            Engine::Gpu(_) => BackendChoice::Gpu,
        };
        // Steps a failed call left unread go into the history before their engine goes.
        self.trainer.poll().await.map_err(advise)?;
        let params = self.trainer.engine().read_params().await?;
        let (spec, io) = (self.config.spec(), self.config.io());
        let (engine, _) = build_engine_for(choice, &spec, io, &params, batch).await?;
        self.trainer.move_to_engine(engine).await
    }

    /// `n` optimizer steps; returns the last batch's loss. A non-finite loss or weight, or a
    /// loss that diverges, stops with `Error::NonFinite` / `Error::Diverged`: the weights are
    /// rolled back to the last ones followed only by healthy steps, and always finite.
    pub fn step(&mut self, n: usize) -> Result<f32> {
        self.on_cpu()?;
        at_once(self.step_async(n))
    }

    /// [`PlaneTrainer::step`] on either backend: `n` steps enqueued, then one read of their
    /// metrics and of the weights.
    pub async fn step_async(&mut self, n: usize) -> Result<f32> {
        self.fit_batch().await?;
        for _ in 0..n {
            self.trainer.step()?;
        }
        let polled = self.trainer.poll().await;
        self.sync().await?;
        let records = polled.map_err(advise)?;
        if let Err(e) = self.trainer.check_weights(&self.model.params).await {
            self.sync().await?;
            return Err(advise(e));
        }
        Ok(records.last().map_or(f32::NAN, |r| r.loss))
    }

    /// Copy the engine's weights and last gradient norms into the CPU model.
    async fn sync(&mut self) -> Result<()> {
        let engine = self.trainer.engine();
        let params = engine.read_params().await?;
        let stats = engine.layer_stats().await?;
        if stats.len() == params.len() {
            self.grad_norms = stats.iter().map(|s| s.grad_norm).collect();
        }
        self.model.params = params;
        self.live = None;
        Ok(())
    }

    pub fn train_metrics(&self) -> Result<SetMetrics> {
        set_metrics(&self.model, &self.train, &self.train_rows.rows)
    }

    pub fn test_metrics(&self) -> Result<SetMetrics> {
        set_metrics(&self.model, &self.test, &self.test_rows.rows)
    }

    /// The model over an `n x n` grid covering the plane (see
    /// [`super::features::grid_points`] for the order): the output (probabilities or value)
    /// and every hidden neuron.
    pub fn grid(&self, n: usize) -> Result<GridOutputs> {
        grid_outputs(&self.model, &self.config, n)
    }
}
