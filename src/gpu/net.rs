//! A model laid out on the GPU for one batch size: every activation buffer, bind group and uniform
//! is created here once, and a step is a replay of the recorded dispatch lists. The training net
//! has forward + backward lists; the inference nets (one image, a chunk of images) forward only.
//!
//! Layer `i` reads `acts[i]` and writes `acts[i + 1]` (`acts[0]` is the input); backward reads
//! `grads[i + 1]` and writes `grads[i]`. Flatten (and Dropout at inference) alias their input.
use super::context::Gpu;
use super::kernels::{Dispatch, Kernel, Pipelines};
use crate::error::Result;
use crate::spec::{Activation, LayerSpec, Loss, ModelSpec, Padding};

/// Where each parameter tensor sits in the flat parameter / gradient / optimizer buffers. Offsets
/// are aligned to 64 floats (256 bytes), the largest storage-binding offset alignment WebGPU allows.
#[derive(Clone, Debug)]
pub struct ParamLayout {
    /// `(name, shape, offset in floats)` in state_dict order.
    pub tensors: Vec<(String, Vec<usize>, usize)>,
    pub total: usize,
}

pub const PARAM_ALIGN: usize = 64;

/// Dense layers of nets with at most this many rows use matvec.wgsl instead of the tiled matmul.
pub const MATVEC_ROWS: usize = 4;

impl ParamLayout {
    pub fn new(spec: &ModelSpec) -> Result<Self> {
        let mut tensors = Vec::new();
        let mut at = 0;
        for (name, shape) in spec.param_shapes()? {
            let n: usize = shape.iter().product();
            tensors.push((name, shape, at));
            at = (at + n).next_multiple_of(PARAM_ALIGN);
        }
        Ok(Self {
            tensors,
            total: at.max(PARAM_ALIGN),
        })
    }

    /// `(offset, len)` of tensor `name`.
    pub fn range(&self, name: &str) -> (usize, usize) {
        let t = self
            .tensors
            .iter()
            .find(|t| t.0 == name)
            .expect("tensor named by the spec");
        (t.2, t.1.iter().product())
    }
}

/// A sub-range of a buffer in floats, as a binding.
pub fn view(buffer: &wgpu::Buffer, offset: usize, len: usize) -> wgpu::BindingResource<'_> {
    wgpu::BindingResource::Buffer(wgpu::BufferBinding {
        buffer,
        offset: 4 * offset as u64,
        size: std::num::NonZeroU64::new(4 * len.max(1) as u64),
    })
}

/// The matmul's strides (see shaders/matmul.wgsl): `C[z](m,n) = act(sum_k A[z](m,k) B[z](k,n) + bias)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MatmulShape {
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub sam: u32,
    pub sak: u32,
    pub sbk: u32,
    pub sbn: u32,
    pub scm: u32,
    pub scn: u32,
    pub za: u32,
    pub zb: u32,
    pub zc: u32,
    /// 0 none, 1 per column, 2 per row.
    pub bias_mode: u32,
    /// 0 none, 1 relu, 2 sigmoid, 3 tanh.
    pub act: u32,
    /// Split-K: the full K when batch `z` is the z-th slice of K (0 = not split).
    pub k_total: u32,
    pub batches: u32,
}

impl MatmulShape {
    pub fn words(&self) -> [u32; 16] {
        [
            self.m,
            self.n,
            self.k,
            self.sam,
            self.sak,
            self.sbk,
            self.sbn,
            self.scm,
            self.scn,
            self.za,
            self.zb,
            self.zc,
            self.bias_mode,
            self.act,
            self.k_total,
            0,
        ]
    }

    /// The tile variant for this shape: 32x32 tiles when either side is thin (a 64-wide tile
    /// would mostly compute padding) or 64-wide tiles would leave most of the device idle.
    pub fn kernel(&self) -> Kernel {
        let big_tiles = self.m.div_ceil(64) * self.n.div_ceil(64) * self.batches.max(1);
        if self.m <= 32 || self.n <= 32 || big_tiles < 16 {
            Kernel::MatmulSmall
        } else {
            Kernel::Matmul
        }
    }

    pub fn tile(kernel: Kernel) -> u32 {
        if kernel == Kernel::MatmulSmall {
            32
        } else {
            64
        }
    }

    /// Workgroups for `kernel` (one of the two matmul variants).
    pub fn groups_for(&self, kernel: Kernel) -> [u32; 3] {
        let t = Self::tile(kernel);
        [self.n.div_ceil(t), self.m.div_ceil(t), self.batches.max(1)]
    }

    pub fn groups(&self) -> [u32; 3] {
        self.groups_for(self.kernel())
    }
}

pub fn act_code(a: Activation) -> u32 {
    match a {
        Activation::Relu => 1,
        Activation::Sigmoid => 2,
        Activation::Tanh => 3,
    }
}

fn activation_of(layer: &LayerSpec) -> Option<Activation> {
    match layer {
        LayerSpec::Relu => Some(Activation::Relu),
        LayerSpec::Sigmoid => Some(Activation::Sigmoid),
        LayerSpec::Tanh => Some(Activation::Tanh),
        _ => None,
    }
}

/// Buffers the nets share: the model's parameters and (training only) gradients and step uniform.
pub struct Shared<'a> {
    pub params: &'a wgpu::Buffer,
    pub grads: &'a wgpu::Buffer,
    pub step: &'a wgpu::Buffer,
    pub layout: &'a ParamLayout,
}

pub struct Net {
    pub batch: usize,
    /// `acts[i]` is layer `i`'s input; `acts[layers]` the network output (logits).
    pub acts: Vec<wgpu::Buffer>,
    pub forward: Vec<Dispatch>,
    pub backward: Vec<Dispatch>,
    /// Training only: gradient of the network output (written by the loss) and the batch labels.
    pub dlogits: Option<wgpu::Buffer>,
    /// Per-layer output shapes (without batch).
    pub shapes: Vec<Vec<usize>>,
}

impl Net {
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
        let shapes = spec.shapes()?;
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
                    && activation_of(&spec.layers[i]).is_some()
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
        let dummy = gpu.storage("dummy", 4);

        for i in 0..nl {
            let input = spec.input_shape(&shapes, i);
            let (x, y) = (&acts[i], &acts[i + 1]);
            let act = if i + 1 < nl && fused[i + 1] {
                activation_of(&spec.layers[i + 1])
                    .map(act_code)
                    .unwrap_or(0)
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
                        m: bu,
                        n: u,
                        k: inp,
                        sam: inp,
                        sak: 1,
                        sbk: 1,
                        sbn: inp,
                        scm: u,
                        scn: 1,
                        bias_mode: 1,
                        act,
                        batches: 1,
                        ..Default::default()
                    };
                    // A few rows (one image per stroke): a parallel dot product per output.
                    let (kernel, words, groups) = if batch <= MATVEC_ROWS {
                        (Kernel::Matvec, vec![bu, u, inp, act], [u, bu, 1])
                    } else {
                        (mm.kernel(), mm.words().to_vec(), mm.groups())
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
                    let bind = pipes.bind(
                        gpu,
                        mm.kernel(),
                        &[
                            view(shared.params, wo, wl),
                            col.as_entire_binding(),
                            view(shared.params, bo, bl),
                            y.as_entire_binding(),
                            uni.as_entire_binding(),
                        ],
                    );
                    forward.push(Dispatch {
                        kernel: mm.kernel(),
                        bind,
                        groups: mm.groups(),
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
                        let kind = act_code(activation_of(&spec.layers[i]).expect("activation"));
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

        let mut backward = Vec::new();
        let mut dlogits = None;
        if training {
            // Gradient buffers, aliased exactly like the activations they belong to (Flatten
            // passes its gradient through untouched).
            let mut grads: Vec<Option<wgpu::Buffer>> = vec![None; nl + 1];
            grads[nl] = Some(gpu.storage_f32("dlogits", size(&shapes[nl - 1])));
            // Does anything below layer i have parameters (i.e. is grads[i] needed)?
            let has_params = |i: usize| {
                matches!(
                    spec.layers[i],
                    LayerSpec::Dense { .. } | LayerSpec::Conv2d { .. }
                )
            };
            let needs_dx: Vec<bool> = (0..nl).map(|i| (0..i).any(has_params)).collect();
            for i in (0..nl).rev() {
                if !needs_dx[i] {
                    continue;
                }
                if matches!(spec.layers[i], LayerSpec::Flatten) {
                    grads[i] = grads[i + 1].clone();
                } else {
                    let shape = spec.input_shape(&shapes, i);
                    grads[i] = Some(gpu.storage_f32(&format!("grad{i}"), size(&shape)));
                }
            }
            for i in (0..nl).rev() {
                let input = spec.input_shape(&shapes, i);
                let dy = grads[i + 1].as_ref().expect("output gradient exists");
                let dx = grads[i].as_ref();
                let x = &acts[i];
                let y = &acts[i + 1];
                match spec.layers[i] {
                    LayerSpec::Dense { units } => {
                        let inp = input[0] as u32;
                        let u = units as u32;
                        let (wo, wl) = shared.layout.range(&format!("{i}.weight"));
                        let (bo, bl) = shared.layout.range(&format!("{i}.bias"));
                        // dW[u, in] = dY^T X
                        let mm = MatmulShape {
                            m: u,
                            n: inp,
                            k: bu,
                            sam: 1,
                            sak: u,
                            sbk: inp,
                            sbn: 1,
                            scm: inp,
                            scn: 1,
                            batches: 1,
                            ..Default::default()
                        };
                        backward.extend(weight_grad(
                            gpu,
                            pipes,
                            &mm,
                            dy.as_entire_binding(),
                            x.as_entire_binding(),
                            view(shared.grads, wo, wl),
                        ));
                        // db[u] = sum_b dY[b, u]
                        backward.push(sum_reduce(
                            gpu,
                            pipes,
                            [u, bu, 1, u],
                            dy.as_entire_binding(),
                            view(shared.grads, bo, bl),
                        ));
                        if let Some(dx) = dx {
                            // dX[b, in] = dY W
                            let mm = MatmulShape {
                                m: bu,
                                n: inp,
                                k: u,
                                sam: u,
                                sak: 1,
                                sbk: inp,
                                sbn: 1,
                                scm: inp,
                                scn: 1,
                                batches: 1,
                                ..Default::default()
                            };
                            backward.push(matmul(
                                gpu,
                                pipes,
                                &mm,
                                dy.as_entire_binding(),
                                view(shared.params, wo, wl),
                                dummy.as_entire_binding(),
                                dx.as_entire_binding(),
                            ));
                        }
                    }
                    LayerSpec::Conv2d {
                        filters,
                        kernel,
                        padding,
                    } => {
                        let c = conv_dims(&input, &shapes[i], kernel, padding, batch);
                        let f = filters as u32;
                        let (bp, ckk) = (c.bp as u32, c.ckk as u32);
                        let col = col_bufs[i].as_ref().expect("conv has a col buffer");
                        let (wo, wl) = shared.layout.range(&format!("{i}.weight"));
                        let (bo, bl) = shared.layout.range(&format!("{i}.bias"));
                        // dYt[f, b*P + p] = dY[b, f, p]
                        let dyt = gpu.storage_f32(&format!("dyt{i}"), filters * c.bp);
                        let uni = gpu.uniform("transpose", &[bu, f, c.plane as u32]);
                        let bind = pipes.bind(
                            gpu,
                            Kernel::TransposeBatchChannel,
                            &[
                                dy.as_entire_binding(),
                                dyt.as_entire_binding(),
                                uni.as_entire_binding(),
                            ],
                        );
                        backward.push(Dispatch {
                            kernel: Kernel::TransposeBatchChannel,
                            bind,
                            groups: Dispatch::grid(filters * c.bp),
                        });
                        // dW[f, ckk] = dYt . col^T
                        let mm = MatmulShape {
                            m: f,
                            n: ckk,
                            k: bp,
                            sam: bp,
                            sak: 1,
                            sbk: 1,
                            sbn: bp,
                            scm: ckk,
                            scn: 1,
                            batches: 1,
                            ..Default::default()
                        };
                        backward.extend(weight_grad(
                            gpu,
                            pipes,
                            &mm,
                            dyt.as_entire_binding(),
                            col.as_entire_binding(),
                            view(shared.grads, wo, wl),
                        ));
                        // db[f] = sum_j dYt[f, j]
                        backward.push(sum_reduce(
                            gpu,
                            pipes,
                            [f, bp, bp, 1],
                            dyt.as_entire_binding(),
                            view(shared.grads, bo, bl),
                        ));
                        if let Some(dx) = dx {
                            // dcol[ckk, bp] = W^T dYt, written over `col` (no longer needed),
                            // then folded back onto the input.
                            let mm = MatmulShape {
                                m: ckk,
                                n: bp,
                                k: f,
                                sam: 1,
                                sak: ckk,
                                sbk: bp,
                                sbn: 1,
                                scm: bp,
                                scn: 1,
                                batches: 1,
                                ..Default::default()
                            };
                            backward.push(matmul(
                                gpu,
                                pipes,
                                &mm,
                                view(shared.params, wo, wl),
                                dyt.as_entire_binding(),
                                dummy.as_entire_binding(),
                                col.as_entire_binding(),
                            ));
                            let uni = gpu.uniform("col2im", &c.words());
                            let bind = pipes.bind(
                                gpu,
                                Kernel::Col2im,
                                &[
                                    col.as_entire_binding(),
                                    dx.as_entire_binding(),
                                    uni.as_entire_binding(),
                                ],
                            );
                            backward.push(Dispatch {
                                kernel: Kernel::Col2im,
                                bind,
                                groups: Dispatch::grid(size(&input)),
                            });
                        }
                    }
                    LayerSpec::MaxPool2d { size: s } => {
                        if let Some(dx) = dx {
                            let planes = batch * input[0];
                            let words = [planes as u32, input[1] as u32, input[2] as u32, s as u32];
                            let uni = gpu.uniform("maxpool bwd", &words);
                            let argmax = argmax_bufs[i].as_ref().expect("pool has argmax");
                            let bind = pipes.bind(
                                gpu,
                                Kernel::MaxpoolBackward,
                                &[
                                    dy.as_entire_binding(),
                                    argmax.as_entire_binding(),
                                    dx.as_entire_binding(),
                                    uni.as_entire_binding(),
                                ],
                            );
                            backward.push(Dispatch {
                                kernel: Kernel::MaxpoolBackward,
                                bind,
                                groups: Dispatch::grid(size(&input)),
                            });
                        }
                    }
                    LayerSpec::Flatten => {}
                    LayerSpec::Dropout { rate } => {
                        if let Some(dx) = dx {
                            backward.push(dropout(
                                gpu,
                                pipes,
                                shared,
                                dy,
                                dx,
                                size(&input),
                                i,
                                rate,
                            ));
                        }
                    }
                    LayerSpec::Relu | LayerSpec::Sigmoid | LayerSpec::Tanh => {
                        if let Some(dx) = dx {
                            let kind = act_code(activation_of(&spec.layers[i]).expect("act"));
                            let n = size(&input);
                            let uni = gpu.uniform("act bwd", &[n as u32, kind]);
                            let bind = pipes.bind(
                                gpu,
                                Kernel::ActivationBackward,
                                &[
                                    y.as_entire_binding(),
                                    dy.as_entire_binding(),
                                    dx.as_entire_binding(),
                                    uni.as_entire_binding(),
                                ],
                            );
                            backward.push(Dispatch {
                                kernel: Kernel::ActivationBackward,
                                bind,
                                groups: Dispatch::grid(n),
                            });
                        }
                    }
                }
            }
            dlogits = grads[nl].clone();
        }

        Ok(Self {
            batch,
            acts,
            forward,
            backward,
            dlogits,
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

/// The loss dispatch of a training net: logits -> dlogits, and the step's metrics into the ring.
pub fn loss_dispatch(
    gpu: &Gpu,
    pipes: &Pipelines,
    loss: Loss,
    net: &Net,
    labels: &wgpu::Buffer,
    metrics: &wgpu::Buffer,
    step: &wgpu::Buffer,
) -> Dispatch {
    let kernel = match loss {
        Loss::SoftmaxCrossEntropy => Kernel::LossSoftmaxCrossEntropy,
        Loss::Mse => Kernel::LossMse,
    };
    let dlogits = net.dlogits.as_ref().expect("training net");
    let bind = pipes.bind(
        gpu,
        kernel,
        &[
            net.output().as_entire_binding(),
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

/// Geometry of one conv layer for `batch` samples.
struct ConvDims {
    batch: usize,
    c: usize,
    h: usize,
    w: usize,
    k: usize,
    pad: usize,
    oh: usize,
    ow: usize,
    plane: usize,
    bp: usize,
    ckk: usize,
}

impl ConvDims {
    fn words(&self) -> [u32; 8] {
        [
            self.batch, self.c, self.h, self.w, self.k, self.pad, self.oh, self.ow,
        ]
        .map(|v| v as u32)
    }
}

fn conv_dims(
    input: &[usize],
    output: &[usize],
    kernel: usize,
    padding: Padding,
    batch: usize,
) -> ConvDims {
    let pad = match padding {
        Padding::Same => (kernel - 1) / 2,
        Padding::Valid => 0,
    };
    let plane = output[1] * output[2];
    ConvDims {
        batch,
        c: input[0],
        h: input[1],
        w: input[2],
        k: kernel,
        pad,
        oh: output[1],
        ow: output[2],
        plane,
        bp: batch * plane,
        ckk: input[0] * kernel * kernel,
    }
}

pub fn matmul(
    gpu: &Gpu,
    pipes: &Pipelines,
    mm: &MatmulShape,
    a: wgpu::BindingResource,
    b: wgpu::BindingResource,
    bias: wgpu::BindingResource,
    c: wgpu::BindingResource,
) -> Dispatch {
    let uni = gpu.uniform("matmul", &mm.words());
    let kernel = mm.kernel();
    let bind = pipes.bind(gpu, kernel, &[a, b, bias, c, uni.as_entire_binding()]);
    Dispatch {
        kernel,
        bind,
        groups: mm.groups(),
    }
}

/// A weight-gradient product `C[m, n] = sum_k A(m, k) B(k, n)` (C contiguous, no bias): long and
/// thin (K = batch, or batch * output pixels for a conv), so K is split over enough workgroups to
/// fill the device, and `split_k_sum.wgsl` adds the partial products.
pub fn weight_grad(
    gpu: &Gpu,
    pipes: &Pipelines,
    mm: &MatmulShape,
    a: wgpu::BindingResource,
    b: wgpu::BindingResource,
    c: wgpu::BindingResource,
) -> Vec<Dispatch> {
    let (m, n, k) = (mm.m as usize, mm.n as usize, mm.k as usize);
    let t = MatmulShape::tile(mm.kernel()) as usize;
    let tiles = m.div_ceil(t) * n.div_ceil(t);
    // Aim for ~128 workgroups, each walking at least 256 of K.
    let splits = (k / 256).min(128usize.div_ceil(tiles)).max(1);
    if splits == 1 {
        let dummy = gpu.storage("dummy", 4);
        return vec![matmul(gpu, pipes, mm, a, b, dummy.as_entire_binding(), c)];
    }
    let per = k.div_ceil(splits).next_multiple_of(16);
    let splits = k.div_ceil(per);
    let partial = gpu.storage_f32("split-k partials", splits * m * n);
    let split = MatmulShape {
        k: per as u32,
        k_total: k as u32,
        za: (per as u32) * mm.sak,
        zb: (per as u32) * mm.sbk,
        zc: (m * n) as u32,
        scm: n as u32,
        scn: 1,
        batches: splits as u32,
        ..*mm
    };
    let dummy = gpu.storage("dummy", 4);
    let first = matmul(
        gpu,
        pipes,
        &split,
        a,
        b,
        dummy.as_entire_binding(),
        partial.as_entire_binding(),
    );
    let uni = gpu.uniform("split-k sum", &[(m * n) as u32, splits as u32]);
    let bind = pipes.bind(
        gpu,
        Kernel::SplitKSum,
        &[partial.as_entire_binding(), c, uni.as_entire_binding()],
    );
    vec![
        first,
        Dispatch {
            kernel: Kernel::SplitKSum,
            bind,
            groups: Dispatch::grid(m * n),
        },
    ]
}

/// `out[i] = sum_{j < len} x[i*si + j*sj]` for `words = [rows, len, si, sj]`.
pub fn sum_reduce(
    gpu: &Gpu,
    pipes: &Pipelines,
    words: [u32; 4],
    x: wgpu::BindingResource,
    out: wgpu::BindingResource,
) -> Dispatch {
    let uni = gpu.uniform("sum_reduce", &words);
    let bind = pipes.bind(gpu, Kernel::SumReduce, &[x, out, uni.as_entire_binding()]);
    Dispatch {
        kernel: Kernel::SumReduce,
        bind,
        groups: [words[0], 1, 1],
    }
}

#[allow(clippy::too_many_arguments)]
fn dropout(
    gpu: &Gpu,
    pipes: &Pipelines,
    shared: &Shared,
    src: &wgpu::Buffer,
    dst: &wgpu::Buffer,
    n: usize,
    layer: usize,
    rate: f32,
) -> Dispatch {
    let scale = 1.0 / (1.0 - rate);
    let uni = gpu.uniform(
        "dropout",
        &[n as u32, layer as u32, rate.to_bits(), scale.to_bits()],
    );
    let bind = pipes.bind(
        gpu,
        Kernel::Dropout,
        &[
            src.as_entire_binding(),
            dst.as_entire_binding(),
            uni.as_entire_binding(),
            shared.step.as_entire_binding(),
        ],
    );
    Dispatch {
        kernel: Kernel::Dropout,
        bind,
        groups: Dispatch::grid(n),
    }
}
