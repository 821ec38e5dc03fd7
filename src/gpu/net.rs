//! A model laid out on the GPU for one batch size: every activation buffer, bind group and uniform
//! is created here once, and a step is a replay of the recorded dispatch lists. The training net
//! has forward + backward lists (backward.rs); the inference nets (one image, a chunk of images)
//! forward only.
//!
//! Layer `i` reads `acts[i]` and writes `acts[i + 1]` (`acts[0]` is the input). Flatten (and
//! Dropout at inference) alias their input; a dense/conv layer followed by an activation can write
//! the activation's output directly (fused), aliasing its own output to it.
use super::backward;
use super::context::Gpu;
use super::kernels::{Dispatch, Kernel, Pipelines};
use super::layout::{act_code, view, MatmulShape, Stored};
use super::ops::{conv_dims, dropout, Shared};
use crate::error::Result;
use crate::spec::{LayerSpec, Loss, ModelSpec};

/// Dense layers of nets with at most this many rows use matvec.wgsl instead of the tiled matmul.
pub const MATVEC_ROWS: usize = 4;

pub struct Net {
    pub batch: usize,
    /// `acts[i]` is layer `i`'s input; `acts[layers]` the network output (logits).
    pub acts: Vec<wgpu::Buffer>,
    pub forward: Vec<Dispatch>,
    pub backward: Vec<Dispatch>,
    /// Training only: gradient of the network output (written by the loss) and the batch labels.
    pub dlogits: Option<wgpu::Buffer>,
    /// Input-gradient nets only ([`Net::input_gradient`]): the gradient of the input, `[batch, 784]`.
    pub dinput: Option<wgpu::Buffer>,
    /// Per-layer output shapes (without batch).
    pub shapes: Vec<Vec<usize>>,
}

impl Net {
    /// The loss dispatch of a training net: logits -> dlogits, and the step's metrics into the ring.
    pub fn loss_dispatch(
        &self,
        gpu: &Gpu,
        pipes: &Pipelines,
        loss: Loss,
        labels: &wgpu::Buffer,
        metrics: &wgpu::Buffer,
        step: &wgpu::Buffer,
    ) -> Dispatch {
        let kernel = match loss {
            Loss::SoftmaxCrossEntropy => Kernel::LossSoftmaxCrossEntropy,
            Loss::Mse => Kernel::LossMse,
        };
        let dlogits = self.dlogits.as_ref().expect("training net");
        let bind = pipes.bind(
            gpu,
            kernel,
            &[
                self.output().as_entire_binding(),
                labels.as_entire_binding(),
                dlogits.as_entire_binding(),
                metrics.as_entire_binding(),
                step.as_entire_binding(),
            ],
        );
        Dispatch {
            kernel,
            bind,
            groups: [1, 1, 1],
        }
    }

    /// Lay out `spec` for `batch` samples. `training` adds dropout and the backward list; `fuse`
    /// folds a following activation into the dense/conv matmul (its pre-activation is then never
    /// stored, so `activations()` uses an unfused net).
    pub fn new(
        gpu: &Gpu,
        pipes: &Pipelines,
        spec: &ModelSpec,
        shared: &Shared,
        batch: usize,
        training: bool,
        fuse: bool,
    ) -> Result<Self> {
        Self::build(gpu, pipes, spec, shared, batch, training, fuse, false)
    }

    /// A net for saliency: the inference forward pass (no dropout) and the training backward
    /// pass run down to the input, from a `dlogits` the caller writes (a one-hot on the target
    /// logit). Its parameter gradients go to `shared.grads`: pass a scratch buffer, so the
    /// training step's gradients (layer stats) are left alone.
    pub fn input_gradient(
        gpu: &Gpu,
        pipes: &Pipelines,
        spec: &ModelSpec,
        shared: &Shared,
        batch: usize,
    ) -> Result<Self> {
        Self::build(gpu, pipes, spec, shared, batch, false, true, true)
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        gpu: &Gpu,
        pipes: &Pipelines,
        spec: &ModelSpec,
        shared: &Shared,
        batch: usize,
        training: bool,
        fuse: bool,
        input_grad: bool,
    ) -> Result<Self> {
        let shapes = spec.shapes_for(shared.layout.io)?;
        let nl = spec.layers.len();
        let size = |s: &[usize]| batch * s.iter().product::<usize>();
        let bu = batch as u32;

        // Which layers are folded into the matmul before them.
        let fused: Vec<bool> = (0..nl)
            .map(|i| {
                fuse && i > 0
                    && matches!(
                        spec.layers[i - 1],
                        LayerSpec::Dense { .. } | LayerSpec::Conv2d { .. }
                    )
                    && spec.layers[i].activation().is_some()
            })
            .collect();
        // Layers whose output is their input (no kernel, no buffer of their own).
        let passes_through = |i: usize| -> bool {
            matches!(spec.layers[i], LayerSpec::Flatten)
                || (!training && matches!(spec.layers[i], LayerSpec::Dropout { .. }))
        };

        // Activation buffers. A matmul followed by a fused activation writes straight into the
        // activation's output, so acts[i + 1] (its output) is the same buffer as acts[i + 2].
        let mut acts: Vec<Option<wgpu::Buffer>> = vec![None; nl + 1];
        acts[0] = Some(gpu.storage_f32("input", size(&spec.input)));
        for i in 0..nl {
            let feeds_fused = i + 1 < nl && fused[i + 1];
            if !passes_through(i) && !feeds_fused {
                acts[i + 1] = Some(gpu.storage_f32(&format!("act{}", i + 1), size(&shapes[i])));
            }
        }
        for i in (0..nl.saturating_sub(1)).rev() {
            if fused[i + 1] {
                acts[i + 1] = acts[i + 2].clone();
            }
        }
        for i in 0..nl {
            if acts[i + 1].is_none() {
                acts[i + 1] = acts[i].clone();
            }
        }
        let acts: Vec<wgpu::Buffer> = acts.into_iter().map(|b| b.expect("resolved")).collect();

        let mut forward = Vec::new();
        let mut col_bufs: Vec<Option<wgpu::Buffer>> = vec![None; nl];
        let mut argmax_bufs: Vec<Option<wgpu::Buffer>> = vec![None; nl];

        for i in 0..nl {
            let input = spec.input_shape(&shapes, i);
            let (x, y) = (&acts[i], &acts[i + 1]);
            let act = if i + 1 < nl && fused[i + 1] {
                spec.activation_after(i).map(act_code).unwrap_or(0)
            } else {
                0
            };
            match spec.layers[i] {
                LayerSpec::Dense { units } => {
                    let inp = input[0] as u32;
                    let u = units as u32;
                    let (wo, wl) = shared.layout.range(&format!("{i}.weight"));
                    let (bo, bl) = shared.layout.range(&format!("{i}.bias"));
                    let mm = MatmulShape {
                        bias_mode: 1,
                        act,
                        ..MatmulShape::product(bu, u, inp, Stored::AsIs, Stored::Transposed)
                    };
                    // A few rows (one image per stroke): a parallel dot product per output.
                    let (kernel, words, groups) = if batch <= MATVEC_ROWS {
                        (Kernel::Matvec, vec![bu, u, inp, act], [u, bu, 1])
                    } else {
                        {
                            let k = mm.pick(pipes.direct_matmul);
                            (k, mm.words().to_vec(), mm.groups_for(k))
                        }
                    };
                    let uni = gpu.uniform("dense fwd", &words);
                    let bind = pipes.bind(
                        gpu,
                        kernel,
                        &[
                            x.as_entire_binding(),
                            view(shared.params, wo, wl),
                            view(shared.params, bo, bl),
                            y.as_entire_binding(),
                            uni.as_entire_binding(),
                        ],
                    );
                    forward.push(Dispatch {
                        kernel,
                        bind,
                        groups,
                    });
                }
                LayerSpec::Conv2d {
                    filters,
                    kernel,
                    padding,
                } => {
                    let c = conv_dims(&input, &shapes[i], kernel, padding, batch);
                    let col = gpu.storage_f32(&format!("col{i}"), c.ckk * c.bp);
                    let uni = gpu.uniform("im2col", &c.words());
                    let bind = pipes.bind(
                        gpu,
                        Kernel::Im2col,
                        &[
                            x.as_entire_binding(),
                            col.as_entire_binding(),
                            uni.as_entire_binding(),
                        ],
                    );
                    forward.push(Dispatch {
                        kernel: Kernel::Im2col,
                        bind,
                        groups: Dispatch::planes(c.bp, c.ckk, 1),
                    });
                    let (wo, wl) = shared.layout.range(&format!("{i}.weight"));
                    let (bo, bl) = shared.layout.range(&format!("{i}.bias"));
                    let plane = c.plane as u32;
                    let mm = MatmulShape {
                        m: filters as u32,
                        n: plane,
                        k: c.ckk as u32,
                        sam: c.ckk as u32,
                        sak: 1,
                        sbk: c.bp as u32,
                        sbn: 1,
                        scm: plane,
                        scn: 1,
                        za: 0,
                        zb: plane,
                        zc: filters as u32 * plane,
                        bias_mode: 2,
                        act,
                        k_total: 0,
                        batches: bu,
                    };
                    let uni = gpu.uniform("conv fwd", &mm.words());
                    let mk = mm.pick(pipes.direct_matmul);
                    let bind = pipes.bind(
                        gpu,
                        mk,
                        &[
                            view(shared.params, wo, wl),
                            col.as_entire_binding(),
                            view(shared.params, bo, bl),
                            y.as_entire_binding(),
                            uni.as_entire_binding(),
                        ],
                    );
                    forward.push(Dispatch {
                        kernel: mk,
                        bind,
                        groups: mm.groups_for(mk),
                    });
                    col_bufs[i] = Some(col);
                }
                LayerSpec::MaxPool2d { size: s } => {
                    let planes = batch * input[0];
                    let words = [planes as u32, input[1] as u32, input[2] as u32, s as u32];
                    let argmax = gpu.storage(&format!("argmax{i}"), 4 * size(&shapes[i]) as u64);
                    let uni = gpu.uniform("maxpool", &words);
                    let bind = pipes.bind(
                        gpu,
                        Kernel::MaxpoolForward,
                        &[
                            x.as_entire_binding(),
                            y.as_entire_binding(),
                            argmax.as_entire_binding(),
                            uni.as_entire_binding(),
                        ],
                    );
                    forward.push(Dispatch {
                        kernel: Kernel::MaxpoolForward,
                        bind,
                        groups: Dispatch::grid(size(&shapes[i])),
                    });
                    argmax_bufs[i] = Some(argmax);
                }
                LayerSpec::Flatten => {}
                LayerSpec::Dropout { rate } => {
                    if training {
                        forward.push(dropout(gpu, pipes, shared, x, y, size(&shapes[i]), i, rate));
                    }
                }
                LayerSpec::Relu | LayerSpec::Sigmoid | LayerSpec::Tanh => {
                    if !fused[i] {
                        let kind = act_code(spec.layers[i].activation().expect("activation"));
                        let n = size(&shapes[i]);
                        let uni = gpu.uniform("act fwd", &[n as u32, kind]);
                        let bind = pipes.bind(
                            gpu,
                            Kernel::ActivationForward,
                            &[
                                x.as_entire_binding(),
                                y.as_entire_binding(),
                                uni.as_entire_binding(),
                            ],
                        );
                        forward.push(Dispatch {
                            kernel: Kernel::ActivationForward,
                            bind,
                            groups: Dispatch::grid(n),
                        });
                    }
                }
            }
        }

        let (backward, dlogits, dinput) = if training || input_grad {
            let (list, dlogits, dinput) = backward::build(
                gpu,
                pipes,
                spec,
                shared,
                batch,
                &acts,
                &col_bufs,
                &argmax_bufs,
                input_grad,
            )?;
            (list, Some(dlogits), dinput)
        } else {
            (Vec::new(), None, None)
        };

        Ok(Self {
            batch,
            acts,
            forward,
            backward,
            dlogits,
            dinput,
            shapes,
        })
    }

    pub fn input(&self) -> &wgpu::Buffer {
        &self.acts[0]
    }

    pub fn output(&self) -> &wgpu::Buffer {
        self.acts.last().expect("a net has layers")
    }
}
