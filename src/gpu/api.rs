//! The [`Backend`] trait for [`GpuBackend`]: upload, the training step (enqueue only), and every
//! asynchronous readback the page uses (metrics, logits, activations, layer stats, weights).
use super::context::{bytes_to_f32, bytes_to_u32};
use super::{step_words, GpuBackend, INFER_CHUNK, METRICS_RING};
use crate::backend::{Backend, BackendInfo, LayerStats, StepMetrics, TrainBatch, TrainSet};
use crate::cpu::InputGradient;
use crate::error::{Error, Result};
use crate::optim::OptimizerConfig;
use crate::tensor::{Param, Tensor};

impl Backend for GpuBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "gpu",
            adapter: self.gpu.adapter_name(),
            fallback: self.gpu.is_fallback(),
        }
    }

    fn batch_size(&self) -> usize {
        self.batch
    }

    fn upload(&mut self, set: TrainSet) -> Result<()> {
        self.upload_set(set)
    }

    fn train_step(&mut self, batch: &TrainBatch, opt: &OptimizerConfig) -> Result<()> {
        self.gpu.check()?;
        opt.validate()?;
        let Some(gather) = &self.gather else {
            return Err(Error::Config(
                "upload the training set before training".into(),
            ));
        };
        if batch.indices.len() != self.batch {
            return Err(Error::Shape(format!(
                "a batch of {} samples, the backend was built for {}",
                batch.indices.len(),
                self.batch
            )));
        }
        if !batch.transforms.is_empty() && gather.kernel != super::kernels::Kernel::Gather {
            return Err(Error::Config(
                "augmentation needs an image training set".into(),
            ));
        }
        if !batch.transforms.is_empty() && batch.transforms.len() != self.batch {
            return Err(Error::Shape(format!(
                "{} transforms for a batch of {}",
                batch.transforms.len(),
                self.batch
            )));
        }
        if let Some(&bad) = batch
            .indices
            .iter()
            .find(|&&i| i as usize >= self.train_len)
        {
            return Err(Error::Data(format!(
                "sample index {bad} is outside the training set of {}",
                self.train_len
            )));
        }
        // A new optimizer kind starts from fresh state, as on the CPU.
        let mut clear: Vec<&wgpu::Buffer> = Vec::new();
        if self.reset_state || self.state_kind != Some(opt.kind) {
            clear.extend([&self.opt_m, &self.opt_v]);
            self.adam_t = 0;
            self.state_kind = Some(opt.kind);
            self.reset_state = false;
        }
        self.adam_t += 1;
        let q = &self.gpu.queue;
        q.write_buffer(&self.indices, 0, bytemuck::cast_slice(batch.indices));
        if !batch.transforms.is_empty() {
            q.write_buffer(&self.transforms, 0, bytemuck::cast_slice(batch.transforms));
        }
        let slot = (self.steps % METRICS_RING as u64) as u32;
        let words = step_words(
            opt,
            self.adam_t,
            batch.seed,
            slot,
            !batch.transforms.is_empty(),
        );
        q.write_buffer(&self.step_uniform, 0, bytemuck::cast_slice(&words));
        self.submit(
            &[
                std::slice::from_ref(gather),
                &self.train.forward,
                &self.train_tail,
            ],
            &clear,
        );
        self.steps += 1;
        Ok(())
    }

    async fn take_metrics(&mut self) -> Result<Vec<StepMetrics>> {
        if self.steps == self.taken {
            return Ok(Vec::new());
        }
        let bytes = self
            .gpu
            .read(
                &self.staging,
                &[(&self.metrics, 0, 8 * METRICS_RING as u64)],
            )
            .await?;
        let words = bytes_to_u32(&bytes[0]);
        let first = self
            .taken
            .max(self.steps.saturating_sub(METRICS_RING as u64));
        let out = (first..self.steps)
            .map(|step| {
                let slot = (step % METRICS_RING as u64) as usize;
                StepMetrics {
                    step,
                    loss: f32::from_bits(words[2 * slot]),
                    correct: words[2 * slot + 1],
                    samples: self.batch as u32,
                }
            })
            .collect();
        self.taken = self.steps;
        Ok(out)
    }

    async fn logits(&mut self, images: &[f32]) -> Result<Vec<f32>> {
        let inputs = self.io.inputs;
        if !images.len().is_multiple_of(inputs) {
            return Err(Error::Shape(format!(
                "{} values is not a whole number of {inputs}-value inputs",
                images.len()
            )));
        }
        let n = images.len() / inputs;
        if n == 1 {
            return self.infer(true, images).await;
        }
        let mut out = Vec::with_capacity(n * self.io.outputs);
        for chunk in images.chunks(INFER_CHUNK * inputs) {
            out.extend(self.infer(false, chunk).await?);
        }
        Ok(out)
    }

    async fn activations(&mut self, image: &[f32]) -> Result<Vec<Tensor>> {
        if image.len() != self.io.inputs {
            return Err(Error::Shape(format!(
                "one input is {} values, got {}",
                self.io.inputs,
                image.len()
            )));
        }
        self.gpu
            .queue
            .write_buffer(self.single.input(), 0, bytemuck::cast_slice(image));
        self.submit(&[&self.single.forward], &[]);
        let shapes = self.single.shapes.clone();
        let ranges: Vec<(&wgpu::Buffer, u64, u64)> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    &self.single.acts[i + 1],
                    0,
                    4 * s.iter().product::<usize>() as u64,
                )
            })
            .collect();
        let bytes = self.gpu.read(&self.staging, &ranges).await?;
        shapes
            .into_iter()
            .zip(bytes)
            .map(|(s, b)| Tensor::new(s, bytes_to_f32(&b)))
            .collect()
    }

    async fn layer_stats(&mut self) -> Result<Vec<LayerStats>> {
        if self.steps == 0 {
            return Ok(Vec::new());
        }
        self.submit(
            std::slice::from_ref(&std::slice::from_ref(&self.norms_dispatch)),
            &[],
        );
        let n = self.layout.tensors.len();
        let sums = self
            .gpu
            .read_f32(&self.staging, &self.norms, 0, 3 * n)
            .await?;
        Ok(self
            .layout
            .tensors
            .iter()
            .enumerate()
            .map(|(t, (name, _, _))| LayerStats {
                name: name.clone(),
                grad_norm: sums[3 * t].sqrt(),
                weight_norm: sums[3 * t + 1].sqrt(),
                update_norm: sums[3 * t + 2].sqrt(),
            })
            .collect())
    }

    async fn read_params(&mut self) -> Result<Vec<Param>> {
        let all = self
            .gpu
            .read_f32(&self.staging, &self.params, 0, self.layout.total)
            .await?;
        self.layout
            .tensors
            .iter()
            .map(|(name, shape, off)| {
                let n: usize = shape.iter().product();
                Ok(Param {
                    name: name.clone(),
                    tensor: Tensor::new(shape.clone(), all[*off..off + n].to_vec())?,
                })
            })
            .collect()
    }

    fn write_params(&mut self, params: &[Param]) -> Result<()> {
        let mut flat = vec![0.0f32; self.layout.total];
        if params.len() != self.layout.tensors.len() {
            return Err(Error::Shape(format!(
                "{} parameter tensors given, the model has {}",
                params.len(),
                self.layout.tensors.len()
            )));
        }
        for (name, shape, off) in &self.layout.tensors {
            let p = params
                .iter()
                .find(|p| &p.name == name)
                .ok_or_else(|| Error::Shape(format!("parameter {name} is missing")))?;
            if &p.tensor.shape != shape {
                return Err(Error::Shape(format!(
                    "{name} has shape {:?}, the model needs {shape:?}",
                    p.tensor.shape
                )));
            }
            flat[*off..off + p.tensor.len()].copy_from_slice(&p.tensor.data);
        }
        self.gpu
            .queue
            .write_buffer(&self.params, 0, bytemuck::cast_slice(&flat));
        self.reset_state = true;
        self.state_kind = None;
        self.adam_t = 0;
        self.steps = 0;
        self.taken = 0;
        self.gpu.check()
    }

    async fn input_gradient(&mut self, images: &[f32], targets: &[usize]) -> Result<InputGradient> {
        GpuBackend::input_gradient(self, images, targets).await
    }
}
