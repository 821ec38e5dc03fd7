//! WebGPU backend (wgpu + WGSL). PLACEHOLDER: being written; every method returns an error.
use crate::backend::{Backend, BackendInfo, LayerStats, StepMetrics, TrainBatch};
use crate::error::{Error, Result};
use crate::optim::OptimizerConfig;
use crate::spec::ModelSpec;
use crate::tensor::{Param, Tensor};

pub struct GpuBackend {
    batch: usize,
}

impl GpuBackend {
    pub fn new(spec: &ModelSpec, params: &[Param], batch: usize) -> Result<Self> {
        let _ = (spec, params);
        Ok(Self { batch })
    }
}

fn pending<T>() -> Result<T> {
    Err(Error::Config("the GPU backend is not written yet".into()))
}

impl Backend for GpuBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "gpu",
            adapter: "none".into(),
            fallback: false,
        }
    }
    fn batch_size(&self) -> usize {
        self.batch
    }
    fn upload_train_set(&mut self, _images: &[u8], _labels: &[u8]) -> Result<()> {
        pending()
    }
    fn train_step(&mut self, _batch: &TrainBatch, _opt: &OptimizerConfig) -> Result<()> {
        pending()
    }
    async fn take_metrics(&mut self) -> Result<Vec<StepMetrics>> {
        pending()
    }
    async fn logits(&mut self, _images: &[f32]) -> Result<Vec<f32>> {
        pending()
    }
    async fn activations(&mut self, _image: &[f32]) -> Result<Vec<Tensor>> {
        pending()
    }
    async fn layer_stats(&mut self) -> Result<Vec<LayerStats>> {
        pending()
    }
    async fn read_params(&mut self) -> Result<Vec<Param>> {
        pending()
    }
    fn write_params(&mut self, _params: &[Param]) -> Result<()> {
        pending()
    }
}
