//! `Engine`: either backend behind one type, so callers (trainer, wasm bindings, CLI) need no
//! generics, and `build_engine`, which picks one for a `BackendChoice`. Kept out of the trait's
//! file so the backends depend on the trait and only this file depends on the backends.
use crate::backend::{Backend, BackendInfo, LayerStats, StepMetrics, TrainBatch, TrainSet};
use crate::cpu::{CpuBackend, InputGradient};
use crate::error::{Error, Result};
use crate::gpu::GpuBackend;
use crate::optim::OptimizerConfig;
use crate::spec::{Io, ModelSpec};
use crate::tensor::{Param, Tensor};
use serde::Serialize;

/// Either backend behind one type, so callers (trainer, wasm bindings, CLI) need no generics.
pub enum Engine {
    Cpu(Box<CpuBackend>),
    Gpu(Box<GpuBackend>),
}

macro_rules! dispatch {
    ($self:ident, $b:ident => $e:expr) => {
        match $self {
            Engine::Cpu($b) => $e,
            Engine::Gpu($b) => $e,
        }
    };
}

impl Backend for Engine {
    fn info(&self) -> BackendInfo {
        dispatch!(self, b => b.info())
    }
    fn batch_size(&self) -> usize {
        dispatch!(self, b => b.batch_size())
    }
    fn upload(&mut self, set: TrainSet) -> Result<()> {
        dispatch!(self, b => b.upload(set))
    }
    fn train_step(&mut self, batch: &TrainBatch, opt: &OptimizerConfig) -> Result<()> {
        dispatch!(self, b => b.train_step(batch, opt))
    }
    async fn take_metrics(&mut self) -> Result<Vec<StepMetrics>> {
        dispatch!(self, b => b.take_metrics().await)
    }
    async fn logits(&mut self, images: &[f32]) -> Result<Vec<f32>> {
        dispatch!(self, b => b.logits(images).await)
    }
    async fn activations(&mut self, image: &[f32]) -> Result<Vec<Tensor>> {
        dispatch!(self, b => b.activations(image).await)
    }
    async fn layer_stats(&mut self) -> Result<Vec<LayerStats>> {
        dispatch!(self, b => b.layer_stats().await)
    }
    async fn read_params(&mut self) -> Result<Vec<Param>> {
        dispatch!(self, b => b.read_params().await)
    }
    fn write_params(&mut self, params: &[Param]) -> Result<()> {
        dispatch!(self, b => b.write_params(params))
    }
    async fn input_gradient(&mut self, images: &[f32], targets: &[usize]) -> Result<InputGradient> {
        dispatch!(self, b => b.input_gradient(images, targets).await)
    }
}

impl Engine {
    /// The optimizer's state (for a snapshot that resumes exactly; src/trainer/snapshots.rs).
    pub async fn read_moments(&mut self) -> Result<crate::optim::OptimizerMoments> {
        match self {
            Engine::Cpu(b) => Ok(b.moments()),
            Engine::Gpu(b) => b.read_moments().await,
        }
    }

    /// Put back [`Engine::read_moments`] after a `write_params` (which resets the state).
    pub fn write_moments(&mut self, m: &crate::optim::OptimizerMoments) -> Result<()> {
        match self {
            Engine::Cpu(b) => b.set_moments(m),
            Engine::Gpu(b) => b.write_moments(m),
        }
    }
}

/// Which backend the caller wants; `Auto` takes the GPU when an adapter exists, else the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    Auto,
    Gpu,
    Cpu,
}

impl BackendChoice {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "auto" => Ok(Self::Auto),
            "gpu" => Ok(Self::Gpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(Error::Config(format!(
                "unknown backend '{other}' (auto, gpu or cpu)"
            ))),
        }
    }
}

/// Build the chosen backend for `spec` with these starting weights and batch size. With `Auto`,
/// a GPU that cannot be had is no failure: the CPU runs, and the second value says why.
pub async fn build_engine(
    choice: BackendChoice,
    spec: &ModelSpec,
    params: &[Param],
    batch: usize,
) -> Result<(Engine, Option<String>)> {
    build_engine_for(choice, spec, Io::MNIST, params, batch).await
}

/// [`build_engine`] for a model of `io`'s input and output widths (the plane's, src/points/).
pub async fn build_engine_for(
    choice: BackendChoice,
    spec: &ModelSpec,
    io: Io,
    params: &[Param],
    batch: usize,
) -> Result<(Engine, Option<String>)> {
    spec.check_batch_memory_for(batch, io)?;
    let cpu = || -> Result<Engine> {
        Ok(Engine::Cpu(Box::new(CpuBackend::with_io(
            spec, io, params, batch,
        )?)))
    };
    match choice {
        BackendChoice::Cpu => Ok((cpu()?, None)),
        BackendChoice::Gpu => Ok((
            Engine::Gpu(Box::new(
                GpuBackend::with_io(spec, io, params, batch).await?,
            )),
            None,
        )),
        BackendChoice::Auto => match GpuBackend::with_io(spec, io, params, batch).await {
            Ok(gpu) => Ok((Engine::Gpu(Box::new(gpu)), None)),
            Err(why) => Ok((cpu()?, Some(why.to_string()))),
        },
    }
}
