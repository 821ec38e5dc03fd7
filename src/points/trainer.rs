//! Training on points: the engine's CPU model (`crate::cpu::Model`, the same dense layers,
//! activations and softmax cross-entropy as MNIST's), its optimizers (`OptimizerState`: SGD,
//! momentum, Adam, L2 and L1) and batch plans, over a point set's features. The plane's nets are
//! tiny (at most 6 x 8 neurons), so a step is microseconds on the CPU; a GPU dispatch costs more
//! than the whole step, and the page trains here.
use super::config::{PlaneConfig, Problem};
use super::features::{feature_rows, grid_points};
use super::generate::{generate, MAX_POINTS};
use super::{Points, Targets, EXTENT};
use crate::cpu::{softmax_cross_entropy, Model, OptimizerState, Workspace};
use crate::data::batches::BatchPlan;
use crate::error::{Error, Result};
use crate::init::init_params_for;
use crate::optim::OptimizerConfig;
use serde::Serialize;

/// Loss (and accuracy, for classes) over a whole point set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SetMetrics {
    pub loss: f32,
    /// Fraction classified right; `None` for a regression.
    pub accuracy: Option<f32>,
}

/// A whole-grid forward pass: what the heatmaps draw.
#[derive(Clone, Debug, PartialEq)]
pub struct GridOutputs {
    pub n: usize,
    /// `[n * n, outputs]`: class probabilities (softmax), or the predicted value.
    pub output: Vec<f32>,
    /// Per hidden layer, `[n * n, width]`: each neuron's output over the grid.
    pub hidden: Vec<Vec<f32>>,
}

pub struct PlaneTrainer {
    config: PlaneConfig,
    model: Model,
    opt: OptimizerState,
    pub train: Points,
    pub test: Points,
    train_rows: Vec<f32>,
    test_rows: Vec<f32>,
    plan: BatchPlan,
    ws: Workspace,
    grads: Vec<Vec<f32>>,
    steps: u64,
    /// L2 norm of each parameter tensor's gradient at the last step (state_dict order).
    grad_norms: Vec<f32>,
}

impl PlaneTrainer {
    /// Generate the data, split it and build a fresh model, all from `config.seed`.
    pub fn new(config: PlaneConfig) -> Result<Self> {
        config.validate()?;
        let points = generate(
            config.dataset,
            config.classes,
            config.points,
            config.noise,
            config.seed,
        )?;
        let (train, test) = points.split(config.ratio, config.seed)?;
        Self::with_points(config, train, test)
    }

    /// Train on given points (e.g. the four corners of boolean XOR) instead of generated ones;
    /// their targets must be of `config`'s problem and class count. `dataset`, `points`,
    /// `noise` and `ratio` of `config` are not used.
    pub fn with_points(config: PlaneConfig, train: Points, test: Points) -> Result<Self> {
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
        let spec = config.spec();
        let io = config.io();
        let params = init_params_for(&spec, io, config.seed)?;
        let model = Model::with_io(&spec, &params, io)?;
        let sizes: Vec<usize> = params.iter().map(|p| p.tensor.data.len()).collect();
        let batch = config.batch.min(train.len());
        let mut trainer = Self {
            opt: OptimizerState::new(&sizes),
            grads: sizes.iter().map(|&n| vec![0.0; n]).collect(),
            grad_norms: vec![0.0; sizes.len()],
            ws: model.workspace(batch),
            plan: BatchPlan::new(train.len(), batch, true, config.seed),
            model,
            train_rows: Vec::new(),
            test_rows: Vec::new(),
            train,
            test,
            config,
            steps: 0,
        };
        trainer.refresh_rows();
        Ok(trainer)
    }

    fn refresh_rows(&mut self) {
        self.train_rows = feature_rows(&self.train.xy, &self.config.features);
        self.test_rows = feature_rows(&self.test.xy, &self.config.features);
    }

    pub fn config(&self) -> &PlaneConfig {
        &self.config
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn steps(&self) -> u64 {
        self.steps
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
        for p in &mut self.model.params {
            let (head, tail) = rest.split_at(p.tensor.data.len());
            p.tensor.data.copy_from_slice(head);
            rest = tail;
        }
        Ok(())
    }

    /// Steps that make one pass over the training points (TensorFlow Playground's "epoch").
    pub fn steps_per_epoch(&self) -> usize {
        self.plan.steps_per_epoch()
    }

    /// Change the learning rate, L1, L2 or optimizer kind from the next step on.
    pub fn set_optimizer(&mut self, optimizer: OptimizerConfig) -> Result<()> {
        optimizer.validate()?;
        self.config.optimizer = optimizer;
        Ok(())
    }

    /// Add a training point (clicked on the plane); the batches include it from the next epoch.
    pub fn add_point(&mut self, x: f32, y: f32, target: f32) -> Result<()> {
        if self.train.len() + self.test.len() >= MAX_POINTS {
            return Err(Error::Data(format!(
                "the plane holds at most {MAX_POINTS} points"
            )));
        }
        self.train.push(x, y, target)?;
        self.refresh_rows();
        let batch = self.config.batch.min(self.train.len());
        self.plan = BatchPlan::new(self.train.len(), batch, true, self.config.seed + self.steps);
        if self.ws.n != batch {
            self.ws = self.model.workspace(batch);
        }
        Ok(())
    }

    /// `n` optimizer steps; returns the last batch's loss. A non-finite loss, or an update that
    /// makes a weight non-finite (undone), stops with `Error::NonFinite`: the weights are always
    /// finite, the last ones before the failure.
    pub fn step(&mut self, n: usize) -> Result<f32> {
        let width = self.config.features.len();
        let mut last = f32::NAN;
        for _ in 0..n {
            let indices = self.plan.next_batch().to_vec();
            for (b, &i) in indices.iter().enumerate() {
                let i = i as usize;
                self.ws.input[b * width..(b + 1) * width]
                    .copy_from_slice(&self.train_rows[i * width..(i + 1) * width]);
            }
            self.model.forward(&mut self.ws, None);
            let loss = match &self.train.targets {
                Targets::Classes { labels, .. } => {
                    for (b, &i) in indices.iter().enumerate() {
                        self.ws.labels[b] = labels[i as usize];
                    }
                    self.model.loss(&mut self.ws).loss
                }
                Targets::Values(values) => {
                    let targets: Vec<f32> = indices.iter().map(|&i| values[i as usize]).collect();
                    let y = self.ws.acts.last().expect("a model has layers");
                    mse(&mut self.ws.grad_out[..targets.len()], y, &targets)
                }
            };
            if !loss.is_finite() {
                return Err(Error::NonFinite(format!(
                    "{loss} at step {}; lower the learning rate and reset",
                    self.steps
                )));
            }
            self.model.backward(&mut self.ws, &mut self.grads, None);
            let cfg = self.config.optimizer;
            // A few hundred weights: keeping the step's starting point costs nothing, and an update
            // that overflows is undone instead of leaving NaN weights behind.
            let before: Vec<Vec<f32>> = self
                .model
                .params
                .iter()
                .map(|p| p.tensor.data.clone())
                .collect();
            let opt_before = self.opt.clone();
            self.opt.begin_step(&cfg);
            for (i, (param, grad)) in self.model.params.iter_mut().zip(&self.grads).enumerate() {
                self.grad_norms[i] = grad.iter().map(|g| g * g).sum::<f32>().sqrt();
                self.opt.update(i, &mut param.tensor.data, grad, &cfg);
            }
            let finite = self
                .model
                .params
                .iter()
                .all(|p| p.tensor.data.iter().all(|v| v.is_finite()));
            if !finite {
                for (param, old) in self.model.params.iter_mut().zip(before) {
                    param.tensor.data = old;
                }
                self.opt = opt_before;
                return Err(Error::NonFinite(format!(
                    "weights at step {}; the step was undone: lower the learning rate",
                    self.steps
                )));
            }
            self.steps += 1;
            last = loss;
        }
        Ok(last)
    }

    pub fn train_metrics(&self) -> Result<SetMetrics> {
        self.metrics(&self.train, &self.train_rows)
    }

    pub fn test_metrics(&self) -> Result<SetMetrics> {
        self.metrics(&self.test, &self.test_rows)
    }

    fn metrics(&self, points: &Points, rows: &[f32]) -> Result<SetMetrics> {
        if points.is_empty() {
            return Ok(SetMetrics::default());
        }
        let out = self.model.logits(rows)?;
        Ok(match &points.targets {
            Targets::Classes { labels, .. } => {
                let mut scratch = vec![0.0; out.len()];
                let r = softmax_cross_entropy(&mut scratch, &out, labels);
                SetMetrics {
                    loss: r.loss,
                    accuracy: Some(r.correct as f32 / labels.len() as f32),
                }
            }
            Targets::Values(values) => SetMetrics {
                loss: mse(&mut vec![0.0; out.len()], &out, values),
                accuracy: None,
            },
        })
    }

    /// The model over an `n x n` grid covering the plane (see [`grid_points`] for the order):
    /// the output (probabilities or value) and every hidden neuron.
    pub fn grid(&self, n: usize) -> Result<GridOutputs> {
        if !(2..=256).contains(&n) {
            return Err(Error::Config(format!("grid size {n} is not in 2..=256")));
        }
        let rows = feature_rows(&grid_points(n, EXTENT), &self.config.features);
        let mut ws = self.model.workspace(n * n);
        ws.input.copy_from_slice(&rows);
        self.model.forward(&mut ws, None);
        let layers = self.config.neuron_layers();
        let (last, hidden) = layers.split_last().expect("an output layer");
        let mut output = ws.acts[*last].clone();
        if self.config.problem_of_dataset() == Problem::Classification {
            softmax_rows(&mut output, self.config.classes);
        }
        Ok(GridOutputs {
            n,
            output,
            hidden: hidden.iter().map(|&i| ws.acts[i].clone()).collect(),
        })
    }
}

/// `mean (y - t)^2` over one output per sample; `dy = 2 (y - t) / n` (PyTorch `MSELoss`).
pub fn mse(dy: &mut [f32], y: &[f32], targets: &[f32]) -> f32 {
    let n = targets.len().max(1) as f32;
    let mut total = 0.0f64;
    for ((d, &y), &t) in dy.iter_mut().zip(y).zip(targets) {
        let diff = y - t;
        total += (diff * diff) as f64;
        *d = 2.0 * diff / n;
    }
    (total / n as f64) as f32
}

/// Softmax over each row of `classes` values, in place.
pub fn softmax_rows(values: &mut [f32], classes: usize) {
    for row in values.chunks_mut(classes) {
        let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        for v in row.iter_mut() {
            *v /= sum;
        }
    }
}
