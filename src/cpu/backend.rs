//! `CpuBackend`: the reference implementation of [`Backend`]. Everything happens synchronously;
//! the async methods just compute and return.
use super::augment::gather_batch;
use super::inference::{layer_outputs, InputGradient};
use super::loss::{mse_values, LossResult};
use super::model::{order_params_for, Model, Workspace};
use super::optimizer::OptimizerState;
use crate::backend::{
    Backend, BackendInfo, LayerStats, StepMetrics, TrainBatch, TrainInputs, TrainSet, TrainTargets,
};
use crate::error::{Error, Result};
use crate::optim::OptimizerConfig;
use crate::spec::{Io, ModelSpec};
use crate::tensor::{l2, Param, Tensor};

mod parallel;
pub use parallel::PartMetrics;

/// Images per forward pass when evaluating many images (bounds the workspace's memory).
const EVAL_CHUNK: usize = 256;

pub struct CpuBackend {
    model: Model,
    batch: usize,
    /// Gradient of the mean batch loss for each parameter tensor (state_dict order).
    grads: Vec<Vec<f32>>,
    opt: OptimizerState,
    /// The training-batch workspace, built once for `batch`.
    work: Workspace,
    /// The evaluation workspace, kept between `logits` calls (rebuilt only when the chunk size
    /// changes, e.g. for the last partial chunk).
    eval: Option<Workspace>,
    /// The workspace for [`CpuBackend::gradients`]' parts, kept while the part size stays.
    part_work: Option<Workspace>,
    /// The metrics of the part whose gradients `grads` holds for [`CpuBackend::apply_adding`]
    /// (set by [`CpuBackend::keep_part_gradients`], cleared by anything else writing `grads`).
    kept_part: Option<PartMetrics>,
    /// MNIST's images (empty when the set is feature rows) and the class labels (empty when
    /// the targets are values).
    train_images: Vec<u8>,
    train_labels: Vec<u8>,
    /// The plane's sets (src/points/): feature rows of the model's input width, and value
    /// targets with each batch's gathered into `batch_values`.
    train_features: Vec<f32>,
    train_values: Vec<f32>,
    batch_values: Vec<f32>,
    train_len: usize,
    step: u64,
    metrics: Vec<StepMetrics>,
    /// The last step's optimizer settings (None before the first step and after weights are
    /// written). Its update norms, like the gradient and weight norms, are computed only when
    /// [`Backend::layer_stats`] asks, from the state the step left: most steps nobody reads
    /// them, and measuring each update against a copy of the old weights cost the MLP ~5% of
    /// its step.
    last_opt: Option<OptimizerConfig>,
}

impl CpuBackend {
    /// Validates the spec and the parameters (names and shapes from `spec.param_shapes()`, in any
    /// order) and allocates the buffers for `batch` samples per step.
    pub fn new(spec: &ModelSpec, params: &[Param], batch: usize) -> Result<Self> {
        Self::with_io(spec, Io::MNIST, params, batch)
    }

    /// [`CpuBackend::new`] with every convolution direct (no Winograd, [`Model::winograd`]): the
    /// reference the GPU backend's training is held to (`tests/gpu_train.rs`). Adam's first
    /// step moves a weight by about `lr * g / |g|`, so a gradient at the float rounding floor
    /// moves by anything up to `lr` depending on the order of its sum.
    pub fn reference(spec: &ModelSpec, params: &[Param], batch: usize) -> Result<Self> {
        let mut backend = Self::new(spec, params, batch)?;
        backend.model.winograd = false;
        Ok(backend)
    }

    /// [`CpuBackend::new`] for a model of `io`'s input and output widths (the plane's).
    pub fn with_io(spec: &ModelSpec, io: Io, params: &[Param], batch: usize) -> Result<Self> {
        if batch == 0 {
            return Err(Error::Config("batch size must be at least 1".into()));
        }
        let model = Model::with_io(spec, params, io)?;
        let sizes: Vec<usize> = model.params.iter().map(|p| p.tensor.len()).collect();
        Ok(Self {
            grads: sizes.iter().map(|&n| vec![0.0; n]).collect(),
            opt: OptimizerState::new(&sizes),
            work: model.train_workspace(batch),
            eval: None,
            part_work: None,
            kept_part: None,
            model,
            batch,
            train_images: Vec::new(),
            train_labels: Vec::new(),
            train_features: Vec::new(),
            train_values: Vec::new(),
            batch_values: Vec::new(),
            train_len: 0,
            step: 0,
            metrics: Vec::new(),
            last_opt: None,
        })
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.model.spec
    }

    pub fn io(&self) -> Io {
        self.model.io
    }

    /// The optimizer's state, for a snapshot to resume from (trainer/snapshots.rs).
    pub fn moments(&self) -> crate::optim::OptimizerMoments {
        self.opt.moments()
    }

    /// Put back [`CpuBackend::moments`]; call after `write_params`, which resets them.
    pub fn set_moments(&mut self, m: &crate::optim::OptimizerMoments) -> Result<()> {
        self.opt.set_moments(m)
    }

    /// Loss and parameter gradients (state_dict order) of the mean loss over `images` (`n * 784`
    /// values in [0, 1], or `n` feature rows) and `labels`, without updating anything. With `dropout_seed` dropout is
    /// active exactly as in a training step with that seed; `None` runs it as the identity.
    /// This is the hook for gradient checks and for comparing the GPU's gradients.
    pub fn loss_and_gradients(
        &self,
        images: &[f32],
        labels: &[u8],
        dropout_seed: Option<u32>,
    ) -> Result<(LossResult, Vec<Param>)> {
        let n = labels.len();
        let inputs = self.model.io.inputs;
        if n == 0 || images.len() != n * inputs {
            return Err(Error::Shape(format!(
                "{} values for {n} samples of {inputs} inputs",
                images.len()
            )));
        }
        let mut ws = self.model.train_workspace(n);
        ws.input.copy_from_slice(images);
        ws.labels.copy_from_slice(labels);
        self.model.forward(&mut ws, dropout_seed);
        let result = self.model.loss(&mut ws);
        let mut grads: Vec<Vec<f32>> = self.grads.iter().map(|g| vec![0.0; g.len()]).collect();
        self.model.backward(&mut ws, &mut grads, dropout_seed);
        let params = self
            .model
            .params
            .iter()
            .zip(grads)
            .map(|(p, g)| Param {
                name: p.name.clone(),
                tensor: Tensor {
                    shape: p.tensor.shape.clone(),
                    data: g,
                },
            })
            .collect();
        Ok((result, params))
    }

    fn check_images(&self, images: &[f32]) -> Result<usize> {
        let inputs = self.model.io.inputs;
        if !images.len().is_multiple_of(inputs) {
            return Err(Error::Shape(format!(
                "{} values is not a whole number of {inputs}-value inputs",
                images.len()
            )));
        }
        Ok(images.len() / inputs)
    }

    /// A feature set's batch: rows into the workspace's input, labels or values beside them.
    fn gather_rows(&mut self, indices: &[u32]) -> Result<()> {
        let Io { inputs, outputs } = self.model.io;
        if let Some(&bad) = indices.iter().find(|&&i| i as usize >= self.train_len) {
            return Err(Error::Data(format!(
                "sample index {bad} is outside the training set of {}",
                self.train_len
            )));
        }
        let ws = &mut self.work;
        self.batch_values.clear();
        for (b, &i) in indices.iter().enumerate() {
            let i = i as usize;
            ws.input[b * inputs..(b + 1) * inputs]
                .copy_from_slice(&self.train_features[i * inputs..(i + 1) * inputs]);
            if self.train_values.is_empty() {
                ws.labels[b] = self.train_labels[i];
            } else {
                let values = &self.train_values[i * outputs..(i + 1) * outputs];
                self.batch_values.extend_from_slice(values);
            }
        }
        Ok(())
    }
}

impl CpuBackend {
    /// Records the step's metrics and updates every parameter from `self.grads`.
    fn apply(&mut self, loss: f32, correct: u32, opt: &OptimizerConfig) {
        self.kept_part = None;
        // A non-finite loss is recorded as is; the trainer decides what to do about it.
        self.metrics.push(StepMetrics {
            step: self.step,
            loss,
            correct,
            samples: self.batch as u32,
        });
        self.step += 1;

        self.opt.begin_step(opt);
        for (i, (param, grad)) in self.model.params.iter_mut().zip(&self.grads).enumerate() {
            self.opt.update(i, &mut param.tensor.data, grad, opt);
        }
        self.last_opt = Some(*opt);
    }
}

impl Backend for CpuBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "cpu",
            adapter: "ndarray".into(),
            fallback: false,
        }
    }

    fn batch_size(&self) -> usize {
        self.batch
    }

    fn upload(&mut self, set: TrainSet) -> Result<()> {
        self.train_len = set.check(self.model.io, self.model.spec.loss)?;
        self.train_images.clear();
        self.train_features.clear();
        self.train_labels.clear();
        self.train_values.clear();
        match set.inputs {
            TrainInputs::Images(images) => self.train_images = images.to_vec(),
            TrainInputs::Features(rows) => self.train_features = rows.to_vec(),
        }
        match set.targets {
            TrainTargets::Classes(labels) => self.train_labels = labels.to_vec(),
            TrainTargets::Values(values) => self.train_values = values.to_vec(),
        }
        Ok(())
    }

    fn train_step(&mut self, batch: &TrainBatch, opt: &OptimizerConfig) -> Result<()> {
        opt.validate()?;
        if self.train_len == 0 {
            return Err(Error::Data("no training set uploaded".into()));
        }
        if batch.indices.len() != self.batch {
            return Err(Error::Shape(format!(
                "batch of {} indices, the backend was built for {}",
                batch.indices.len(),
                self.batch
            )));
        }
        if self.train_features.is_empty() {
            let ws = &mut self.work;
            gather_batch(
                &mut ws.input,
                &mut ws.labels,
                &self.train_images,
                &self.train_labels,
                batch.indices,
                batch.transforms,
            )?;
        } else if !batch.transforms.is_empty() {
            return Err(Error::Config(
                "augmentation needs an image training set".into(),
            ));
        } else {
            self.gather_rows(batch.indices)?;
        }
        let ws = &mut self.work;
        let seed = Some(batch.seed);
        self.model.forward(ws, seed);
        let result = if self.train_values.is_empty() {
            self.model.loss(ws)
        } else {
            let y = ws.acts.last().expect("a model has layers");
            mse_values(&mut ws.grad_out[..y.len()], y, &self.batch_values)
        };
        self.model.backward(ws, &mut self.grads, seed);
        self.apply(result.loss, result.correct, opt);
        Ok(())
    }
    async fn take_metrics(&mut self) -> Result<Vec<StepMetrics>> {
        Ok(std::mem::take(&mut self.metrics))
    }

    async fn logits(&mut self, images: &[f32]) -> Result<Vec<f32>> {
        let n = self.check_images(images)?;
        let Io { inputs, outputs } = self.model.io;
        let mut out = Vec::with_capacity(n * outputs);
        for chunk in images.chunks(EVAL_CHUNK * inputs) {
            let m = chunk.len() / inputs;
            if self.eval.as_ref().map(|w| w.n) != Some(m) {
                self.eval = Some(self.model.workspace(m));
            }
            let ws = self.eval.as_mut().expect("just built");
            ws.input.copy_from_slice(chunk);
            self.model.forward(ws, None);
            out.extend_from_slice(ws.acts.last().expect("a model has layers"));
        }
        Ok(out)
    }

    async fn activations(&mut self, image: &[f32]) -> Result<Vec<Tensor>> {
        let inputs = self.model.io.inputs;
        if image.len() != inputs {
            return Err(Error::Shape(format!(
                "one input is {inputs} values, got {}",
                image.len()
            )));
        }
        let mut ws = self.model.workspace(1);
        ws.input.copy_from_slice(image);
        self.model.forward(&mut ws, None);
        Ok(layer_outputs(&self.model, &ws))
    }

    async fn layer_stats(&mut self) -> Result<Vec<LayerStats>> {
        // `grads` still holds the last step's gradient: the next one overwrites it.
        let Some(opt) = self.last_opt else {
            return Ok(Vec::new()); // no step since the weights were written
        };
        let params = self.model.params.iter().zip(&self.grads).enumerate();
        Ok(params
            .map(|(i, (param, grad))| LayerStats {
                name: param.name.clone(),
                // The raw loss gradient, before the weight-decay term is added.
                grad_norm: l2(grad.iter().copied()),
                weight_norm: l2(param.tensor.data.iter().copied()),
                update_norm: self.opt.last_update_norm(i, &param.tensor.data, grad, &opt),
            })
            .collect())
    }

    async fn read_params(&mut self) -> Result<Vec<Param>> {
        Ok(self.model.params.clone())
    }

    /// Through an [`super::Inference`] over a copy of the weights (a few hundred KB), so the
    /// training workspace and its gradients are left as the last step left them.
    async fn input_gradient(&mut self, images: &[f32], targets: &[usize]) -> Result<InputGradient> {
        super::Inference::new(&self.model.spec, &self.model.params)?.input_gradient(images, targets)
    }

    fn write_params(&mut self, params: &[Param]) -> Result<()> {
        self.model.params = order_params_for(&self.model.spec, self.model.io, params)?;
        self.opt.reset();
        self.step = 0;
        self.last_opt = None;
        Ok(())
    }
}
