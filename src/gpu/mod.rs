//! WebGPU backend (wgpu + WGSL). Everything is built once in [`GpuBackend::new`]: the device,
//! every pipeline, buffer and bind group. A training step writes the batch indices and a small
//! uniform of hyperparameters, then records gather, forward, loss, backward and the optimizer into
//! one command buffer; nothing is read back until the page asks (metrics, stats, weights).
mod api;
mod backward;
mod context;
mod dispatch;
pub mod kernels;
mod layout;
mod matmul_choice;
mod moments;
mod net;
mod ops;
pub mod probe;
mod saliency;
mod upload;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::optim::{OptimizerConfig, OptimizerKind};
use crate::spec::{Io, ModelSpec};
use crate::tensor::Param;
use context::Gpu;
use kernels::{Dispatch, Kernel, Pipelines};
use layout::ParamLayout;
use net::Net;
use ops::Shared;

pub use matmul_choice::set_matmul_variant;
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
    /// A value set's gathered batch targets (`[batch, outputs]` f32; built on its upload).
    batch_values: Option<wgpu::Buffer>,
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
    spec: ModelSpec,
    io: Io,
    /// The input-gradient net (saliency.rs), built on first use.
    input_grad: Option<saliency::InputGradNet>,
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
    // Adam's bias corrections in f64, as PyTorch and src/cpu/optimizer.rs compute them.
    let step_size = (opt.lr as f64 / (1.0 - (opt.beta1 as f64).powi(t))) as f32;
    let bc2_sqrt = (1.0 - (opt.beta2 as f64).powi(t)).sqrt() as f32;
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
        step_size.to_bits(),
        bc2_sqrt.to_bits(),
        kind,
        seed,
        slot,
        has_transforms as u32,
        opt.l1.to_bits(),
        0,
        0,
        0,
    ]
}

impl GpuBackend {
    /// Open the GPU and lay the model out for `batch` training samples, starting from `params`.
    pub async fn new(spec: &ModelSpec, params: &[Param], batch: usize) -> Result<Self> {
        Self::with_io(spec, Io::MNIST, params, batch).await
    }

    /// [`GpuBackend::new`] for a model of `io`'s input and output widths (the plane's).
    pub async fn with_io(spec: &ModelSpec, io: Io, params: &[Param], batch: usize) -> Result<Self> {
        if batch == 0 {
            return Err(Error::Config("the batch size must be at least 1".into()));
        }
        let gpu = Gpu::new().await?;
        let pipes = Pipelines::new(&gpu, matmul_choice::for_adapter(&gpu)).await?;
        let layout = ParamLayout::for_io(spec, io)?;
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

        let mut train_tail = vec![train.loss_dispatch(
            &gpu,
            &pipes,
            spec.loss,
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
        let l1_bind = pipes.bind(
            &gpu,
            Kernel::L1PenaltyGradient,
            &[
                params_buf.as_entire_binding(),
                grads.as_entire_binding(),
                step_uniform.as_entire_binding(),
            ],
        );
        let l1_dispatch = Dispatch {
            kernel: Kernel::L1PenaltyGradient,
            bind: l1_bind,
            groups: Dispatch::grid(total),
        };
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
            INFER_CHUNK * io.outputs,
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
            batch_values: None,
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
            spec: spec.clone(),
            io,
            input_grad: None,
        };
        // Backward runs after the loss; the L1 penalty joins the gradient; the optimizer closes
        // the step.
        train_tail.append(&mut backend.train.backward);
        train_tail.push(l1_dispatch);
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
        let n = images.len() / self.io.inputs;
        let mut input = images.to_vec();
        input.resize(net.batch * self.io.inputs, 0.0);
        self.gpu
            .queue
            .write_buffer(net.input(), 0, bytemuck::cast_slice(&input));
        self.submit(&[&net.forward], &[]);
        self.gpu
            .read_f32(&self.staging, net.output(), 0, n * self.io.outputs)
            .await
    }

    /// Replay the last training step one dispatch at a time, waiting for each, and return
    /// `(kernel, seconds)` per dispatch in step order. For profiling (examples/gpu_profile.rs);
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
