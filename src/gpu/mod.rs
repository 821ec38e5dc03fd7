//! WebGPU backend (wgpu + WGSL). Everything is built once in [`GpuBackend::new`]: the device,
//! every pipeline, buffer and bind group. A training step writes the batch indices and a small
//! uniform of hyperparameters, then records gather, forward, loss, backward and the optimizer into
//! one command buffer; nothing is read back until the page asks (metrics, stats, weights).
mod context;
pub mod kernels;
mod net;
pub mod probe;

use crate::backend::{Backend, BackendInfo, LayerStats, StepMetrics, TrainBatch};
use crate::error::{Error, Result};
use crate::optim::{OptimizerConfig, OptimizerKind};
use crate::spec::{ModelSpec, CLASSES, IMAGE_PIXELS};
use crate::tensor::{Param, Tensor};
use context::{bytes_to_f32, bytes_to_u32, Gpu};
use kernels::{Dispatch, Kernel, Pipelines};
use net::{Net, ParamLayout, Shared};

pub use probe::bench_matmul;

/// Steps of metrics the GPU ring holds; `take_metrics` returns at most this many (the newest).
pub const METRICS_RING: usize = 4096;
/// Images per inference pass in `logits()`.
pub const INFER_CHUNK: usize = 64;

pub struct GpuBackend {
    gpu: Gpu,
    pipes: Pipelines,
    layout: ParamLayout,
    batch: usize,
    params: wgpu::Buffer,
    opt_m: wgpu::Buffer,
    opt_v: wgpu::Buffer,
    step_uniform: wgpu::Buffer,
    indices: wgpu::Buffer,
    transforms: wgpu::Buffer,
    batch_labels: wgpu::Buffer,
    metrics: wgpu::Buffer,
    norms: wgpu::Buffer,
    staging: wgpu::Buffer,
    train: Net,
    /// Loss, backward and optimizer dispatches (gather is added once a training set is uploaded).
    train_tail: Vec<Dispatch>,
    norms_dispatch: Dispatch,
    gather: Option<Dispatch>,
    train_len: usize,
    single: Net,
    chunk: Net,
    /// Steps since construction or the last `write_params`; the next step's metrics slot.
    steps: u64,
    /// Steps already returned by `take_metrics`.
    taken: u64,
    /// Adam's bias-correction step counter and the optimizer kind its state belongs to.
    adam_t: u64,
    state_kind: Option<OptimizerKind>,
    /// Optimizer buffers must be zeroed before the next update (new weights or a new kind).
    reset_state: bool,
}

/// The words of the per-step uniform, `Step` in shaders/step_uniform.wgsl (Adam step `t` from 1).
pub fn step_words(
    opt: &OptimizerConfig,
    t: u64,
    seed: u32,
    slot: u32,
    has_transforms: bool,
) -> [u32; 16] {
    let t = t.min(i32::MAX as u64) as i32;
    let bc1 = 1.0 - opt.beta1.powi(t);
    let bc2 = 1.0 - opt.beta2.powi(t);
    let kind = match opt.kind {
        OptimizerKind::Sgd => 0,
        OptimizerKind::Momentum => 1,
        OptimizerKind::Adam => 2,
    };
    [
        opt.lr.to_bits(),
        opt.momentum.to_bits(),
        opt.beta1.to_bits(),
        opt.beta2.to_bits(),
        opt.eps.to_bits(),
        opt.weight_decay.to_bits(),
        bc1.to_bits(),
        bc2.to_bits(),
        kind,
        seed,
        slot,
        has_transforms as u32,
        0,
        0,
        0,
        0,
    ]
}

impl GpuBackend {
    /// Open the GPU and lay the model out for `batch` training samples, starting from `params`.
    pub async fn new(spec: &ModelSpec, params: &[Param], batch: usize) -> Result<Self> {
        if batch == 0 {
            return Err(Error::Config("the batch size must be at least 1".into()));
        }
        let gpu = Gpu::new().await?;
        let pipes = Pipelines::new(&gpu).await?;
        let layout = ParamLayout::new(spec)?;
        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let oom = gpu.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let total = layout.total;
        let params_buf = gpu.storage_f32("params", total);
        let grads = gpu.storage_f32("grads", total);
        let opt_m = gpu.storage_f32("adam m / velocity", total);
        let opt_v = gpu.storage_f32("adam v", total);
        let update = gpu.storage_f32("update", total);
        let step_uniform = gpu.uniform("step", &[0; 16]);
        let indices = gpu.storage("indices", 4 * batch as u64);
        let transforms = gpu.storage_f32("transforms", 6 * batch);
        let batch_labels = gpu.storage("batch labels", 4 * batch as u64);
        let metrics = gpu.storage("metrics ring", 8 * METRICS_RING as u64);
        let ntensors = layout.tensors.len();
        let norms = gpu.storage_f32("norms", 3 * ntensors.max(1));

        let shared = Shared {
            params: &params_buf,
            grads: &grads,
            step: &step_uniform,
            layout: &layout,
        };
        let train = Net::new(&gpu, &pipes, spec, &shared, batch, true, true)?;
        let single = Net::new(&gpu, &pipes, spec, &shared, 1, false, false)?;
        let chunk = Net::new(&gpu, &pipes, spec, &shared, INFER_CHUNK, false, true)?;

        let mut train_tail = vec![net::loss_dispatch(
            &gpu,
            &pipes,
            spec.loss,
            &train,
            &batch_labels,
            &metrics,
            &step_uniform,
        )];
        let opt_bind = pipes.bind(
            &gpu,
            Kernel::OptimizerUpdate,
            &[
                params_buf.as_entire_binding(),
                grads.as_entire_binding(),
                opt_m.as_entire_binding(),
                opt_v.as_entire_binding(),
                update.as_entire_binding(),
                step_uniform.as_entire_binding(),
            ],
        );
        let opt_dispatch = Dispatch {
            kernel: Kernel::OptimizerUpdate,
            bind: opt_bind,
            groups: Dispatch::grid(total),
        };
        let ranges: Vec<u32> = layout
            .tensors
            .iter()
            .flat_map(|(_, shape, off)| [*off as u32, shape.iter().product::<usize>() as u32])
            .collect();
        let ranges_buf = gpu.storage_init("norm ranges", bytemuck::cast_slice(&ranges));
        let norms_bind = pipes.bind(
            &gpu,
            Kernel::LayerNorms,
            &[
                params_buf.as_entire_binding(),
                grads.as_entire_binding(),
                update.as_entire_binding(),
                ranges_buf.as_entire_binding(),
                norms.as_entire_binding(),
            ],
        );
        let norms_dispatch = Dispatch {
            kernel: Kernel::LayerNorms,
            bind: norms_bind,
            groups: [ntensors.max(1) as u32, 1, 1],
        };
        // Readbacks: the whole parameter set, a chunk of logits, every activation of one image,
        // or the metrics ring, whichever is largest.
        let single_acts: usize = train
            .shapes
            .iter()
            .map(|s| s.iter().product::<usize>())
            .sum();
        let staging_bytes = 4 * [
            total,
            INFER_CHUNK * CLASSES,
            single_acts,
            2 * METRICS_RING,
            3 * ntensors,
        ]
        .into_iter()
        .max()
        .unwrap_or(4);
        let staging = gpu.staging(staging_bytes as u64);
        if let Some(e) = oom.pop().await {
            return Err(Error::Gpu(format!(
                "out of GPU memory building the model: {e}"
            )));
        }
        if let Some(e) = scope.pop().await {
            return Err(Error::Gpu(format!("building the model: {e}")));
        }
        gpu.check()?;

        let mut backend = Self {
            gpu,
            pipes,
            layout,
            batch,
            params: params_buf,
            opt_m,
            opt_v,
            step_uniform,
            indices,
            transforms,
            batch_labels,
            metrics,
            norms,
            staging,
            train,
            train_tail: Vec::new(),
            norms_dispatch,
            gather: None,
            train_len: 0,
            single,
            chunk,
            steps: 0,
            taken: 0,
            adam_t: 0,
            state_kind: None,
            reset_state: true,
        };
        // Backward runs after the loss; the optimizer closes the step.
        train_tail.append(&mut backend.train.backward);
        train_tail.push(opt_dispatch);
        backend.train_tail = train_tail;
        backend.write_params(params)?;
        Ok(backend)
    }

    /// Run `dispatches` in one compute pass of one submission.
    fn submit(&self, dispatches: &[&[Dispatch]], clear: &[&wgpu::Buffer]) {
        let mut encoder = self
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("step"),
            });
        for b in clear {
            encoder.clear_buffer(b, 0, None);
        }
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("step"),
                timestamp_writes: None,
            });
            for list in dispatches {
                kernels::record(&mut pass, &self.pipes, list);
            }
        }
        self.gpu.queue.submit([encoder.finish()]);
    }

    /// Forward `n <= net.batch` images through an inference net and read back its output.
    async fn infer(&self, use_single: bool, images: &[f32]) -> Result<Vec<f32>> {
        let net = if use_single {
            &self.single
        } else {
            &self.chunk
        };
        let n = images.len() / IMAGE_PIXELS;
        let mut input = images.to_vec();
        input.resize(net.batch * IMAGE_PIXELS, 0.0);
        self.gpu
            .queue
            .write_buffer(net.input(), 0, bytemuck::cast_slice(&input));
        self.submit(&[&net.forward], &[]);
        self.gpu
            .read_f32(&self.staging, net.output(), 0, n * CLASSES)
            .await
    }

    /// Replay the last training step one dispatch at a time, waiting for each, and return
    /// `(kernel, seconds)` per dispatch in step order. For profiling (tests/gpu_profile.rs);
    /// it re-applies the last update, so call it on a throwaway backend.
    pub async fn profile_step(&mut self) -> Result<Vec<(String, f64)>> {
        let Some(gather) = &self.gather else {
            return Err(Error::Config("upload the training set first".into()));
        };
        let all: Vec<&Dispatch> = std::iter::once(gather)
            .chain(&self.train.forward)
            .chain(&self.train_tail)
            .collect();
        let mut out = Vec::new();
        for d in all {
            self.gpu
                .read(&self.staging, &[(&self.metrics, 0, 4)])
                .await?;
            let start = probe::now_seconds();
            self.submit(&[std::slice::from_ref(d)], &[]);
            self.gpu
                .read(&self.staging, &[(&self.metrics, 0, 4)])
                .await?;
            out.push((
                format!("{:?} {:?}", d.kernel, d.groups),
                probe::now_seconds() - start,
            ));
        }
        Ok(out)
    }

    pub fn adapter_name(&self) -> String {
        self.gpu.adapter_name()
    }
}

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

    fn upload_train_set(&mut self, images: &[u8], labels: &[u8]) -> Result<()> {
        let n = labels.len();
        if n == 0 || images.len() != n * IMAGE_PIXELS {
            return Err(Error::Data(format!(
                "{} image bytes for {n} labels (expected {} per image)",
                images.len(),
                IMAGE_PIXELS
            )));
        }
        if let Some(bad) = labels.iter().find(|&&l| l as usize >= CLASSES) {
            return Err(Error::Data(format!("label {bad} is not a digit")));
        }
        // 784 is a multiple of 4, so the packed words never straddle two images.
        let images_buf = self.gpu.storage_init("train images", images);
        let labels32: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
        let labels_buf = self
            .gpu
            .storage_init("train labels", bytemuck::cast_slice(&labels32));
        let bind = self.pipes.bind(
            &self.gpu,
            Kernel::Gather,
            &[
                images_buf.as_entire_binding(),
                labels_buf.as_entire_binding(),
                self.indices.as_entire_binding(),
                self.transforms.as_entire_binding(),
                self.train.input().as_entire_binding(),
                self.batch_labels.as_entire_binding(),
                self.step_uniform.as_entire_binding(),
            ],
        );
        self.gather = Some(Dispatch {
            kernel: Kernel::Gather,
            bind,
            groups: Dispatch::grid(self.batch * IMAGE_PIXELS),
        });
        self.train_len = n;
        self.gpu.check()
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
        if !images.len().is_multiple_of(IMAGE_PIXELS) {
            return Err(Error::Shape(format!(
                "{} values is not a whole number of 784-pixel images",
                images.len()
            )));
        }
        let n = images.len() / IMAGE_PIXELS;
        if n == 1 {
            return self.infer(true, images).await;
        }
        let mut out = Vec::with_capacity(n * CLASSES);
        for chunk in images.chunks(INFER_CHUNK * IMAGE_PIXELS) {
            out.extend(self.infer(false, chunk).await?);
        }
        Ok(out)
    }

    async fn activations(&mut self, image: &[f32]) -> Result<Vec<Tensor>> {
        if image.len() != IMAGE_PIXELS {
            return Err(Error::Shape(format!(
                "one image is 784 values, got {}",
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
}
