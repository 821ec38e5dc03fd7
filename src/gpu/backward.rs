//! The backward half of a training net: gradient buffers (aliased like the activations they
//! belong to) and the dispatch list from the loss gradient down to the first layer's weights.
//! Layer `i` reads `grads[i + 1]` and writes `grads[i]`; weight and bias gradients go into the
//! shared flat gradient buffer at the tensor's offset.
use super::context::Gpu;
use super::kernels::{Dispatch, Kernel, Pipelines};
use super::layout::{act_code, view, MatmulShape, Stored};
use super::ops::{conv_dims, dropout, matmul, sum_reduce, weight_grad, Shared};
use crate::error::Result;
use crate::spec::{LayerSpec, ModelSpec};

/// The backward dispatches of `spec` for `batch` samples and the buffer the loss writes its
/// gradient into. `acts`, `cols` and `argmax` are the forward pass's buffers. `input_grad`: the
/// pass also computes the input's gradient (returned third) over an inference forward pass,
/// whose dropout layers alias their input (so their gradients alias too).
#[allow(clippy::too_many_arguments)]
pub fn build(
    gpu: &Gpu,
    pipes: &Pipelines,
    spec: &ModelSpec,
    shared: &Shared,
    batch: usize,
    acts: &[wgpu::Buffer],
    cols: &[Option<wgpu::Buffer>],
    argmax: &[Option<wgpu::Buffer>],
    input_grad: bool,
) -> Result<(Vec<Dispatch>, wgpu::Buffer, Option<wgpu::Buffer>)> {
    let shapes = spec.shapes_for(shared.layout.io)?;
    let nl = spec.layers.len();
    let size = |s: &[usize]| batch * s.iter().product::<usize>();
    let bu = batch as u32;
    let dummy = gpu.storage("dummy", 4);
    let mut backward = Vec::new();
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
    let needs_dx: Vec<bool> = (0..nl)
        .map(|i| input_grad || (0..i).any(has_params))
        .collect();
    let aliases_input = |i: usize| {
        matches!(spec.layers[i], LayerSpec::Flatten)
            || (input_grad && matches!(spec.layers[i], LayerSpec::Dropout { .. }))
    };
    // Conv -> activation -> MaxPool: the pool's backward writes the conv's transposed output
    // gradient in one pass (pool_act_backward.wgsl), so the pool's and the activation's input
    // gradients are never materialised.
    let fused_pool = |i: usize| {
        i >= 2
            && matches!(spec.layers[i], LayerSpec::MaxPool2d { .. })
            && spec.layers[i - 1].activation().is_some()
            && matches!(spec.layers[i - 2], LayerSpec::Conv2d { .. })
    };
    let skip_dx: Vec<bool> = (0..nl)
        .map(|i| fused_pool(i) || (i + 1 < nl && fused_pool(i + 1)))
        .collect();
    // The transposed conv output gradient a fused pool wrote, for the conv two layers down.
    let mut fused_dyt: Option<wgpu::Buffer> = None;
    for i in (0..nl).rev() {
        if !needs_dx[i] || skip_dx[i] {
            continue;
        }
        if aliases_input(i) {
            grads[i] = grads[i + 1].clone();
        } else {
            let shape = spec.input_shape(&shapes, i);
            grads[i] = Some(gpu.storage_f32(&format!("grad{i}"), size(&shape)));
        }
    }
    for i in (0..nl).rev() {
        let input = spec.input_shape(&shapes, i);
        if fused_pool(i) {
            let (dyt, dispatch) =
                pool_act_backward(gpu, pipes, spec, &shapes, batch, i, &grads, acts, argmax);
            backward.push(dispatch);
            fused_dyt = Some(dyt);
            continue;
        }
        if i + 1 < nl && fused_pool(i + 1) {
            continue; // the activation's backward is part of the fused pool's
        }
        if !needs_dx[i] && !has_params(i) {
            continue; // parameterless and nothing below has any (a pool or Flatten first)
        }
        // A conv under a fused pool gets its (transposed) output gradient from the pool's pass.
        let fused = fused_dyt.take();
        let dy_buf = grads[i + 1]
            .clone()
            .or_else(|| fused.clone())
            .expect("output gradient exists");
        let dy = &dy_buf;
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
                let mm = MatmulShape::product(u, inp, bu, Stored::Transposed, Stored::AsIs);
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
                    let mm = MatmulShape::product(bu, inp, u, Stored::AsIs, Stored::AsIs);
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
                let col = cols[i].as_ref().expect("conv has a col buffer");
                let (wo, wl) = shared.layout.range(&format!("{i}.weight"));
                let (bo, bl) = shared.layout.range(&format!("{i}.bias"));
                // dYt[f, b*P + p] = dY[b, f, p], unless a fused pool above wrote it already.
                let dyt = match fused {
                    Some(dyt) => dyt,
                    None => {
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
                        dyt
                    }
                };
                // dW[f, ckk] = dYt . col^T
                let mm = MatmulShape::product(f, ckk, bp, Stored::AsIs, Stored::Transposed);
                backward.extend(weight_grad(
                    gpu,
                    pipes,
                    &mm,
                    dyt.as_entire_binding(),
                    col.as_entire_binding(),
                    view(shared.grads, wo, wl),
                ));
                // db[f] = sum_j dYt[f, j], in two passes: per (filter, sample) over the sample's
                // pixels, then per filter over the samples. One serial sum per filter would keep
                // a single CPU thread busy on a software adapter (conv1: 32 sums of 43k).
                let plane = c.plane as u32;
                let per_sample = gpu.storage_f32(&format!("db partials {i}"), filters * batch);
                backward.push(sum_reduce(
                    gpu,
                    pipes,
                    [f * bu, plane, plane, 1],
                    dyt.as_entire_binding(),
                    per_sample.as_entire_binding(),
                ));
                backward.push(sum_reduce(
                    gpu,
                    pipes,
                    [f, bu, bu, 1],
                    per_sample.as_entire_binding(),
                    view(shared.grads, bo, bl),
                ));
                if let Some(dx) = dx {
                    // dcol[ckk, bp] = W^T dYt, written over `col` (no longer needed),
                    // then folded back onto the input.
                    let mm = MatmulShape::product(ckk, bp, f, Stored::Transposed, Stored::AsIs);
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
                        groups: Dispatch::col2im(input[1] * input[2], input[0], batch),
                    });
                }
            }
            LayerSpec::MaxPool2d { size: s } => {
                if let Some(dx) = dx {
                    let planes = batch * input[0];
                    let words = [planes as u32, input[1] as u32, input[2] as u32, s as u32];
                    let uni = gpu.uniform("maxpool bwd", &words);
                    let argmax = argmax[i].as_ref().expect("pool has argmax");
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
            LayerSpec::Dropout { .. } if input_grad => {} // aliased, like Flatten
            LayerSpec::Dropout { rate } => {
                if let Some(dx) = dx {
                    backward.push(dropout(gpu, pipes, shared, dy, dx, size(&input), i, rate));
                }
            }
            LayerSpec::Relu | LayerSpec::Sigmoid | LayerSpec::Tanh => {
                if let Some(dx) = dx {
                    let kind = act_code(spec.layers[i].activation().expect("act"));
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
    let dlogits = grads[nl].clone().expect("the loss gradient buffer exists");
    let dinput = if input_grad { grads[0].clone() } else { None };
    Ok((backward, dlogits, dinput))
}

/// The fused backward of pool layer `i` over activation `i - 1` over conv `i - 2`: the conv's
/// output gradient, transposed to `[filters, batch * plane]` (see pool_act_backward.wgsl).
#[allow(clippy::too_many_arguments)]
fn pool_act_backward(
    gpu: &Gpu,
    pipes: &Pipelines,
    spec: &ModelSpec,
    shapes: &[Vec<usize>],
    batch: usize,
    i: usize,
    grads: &[Option<wgpu::Buffer>],
    acts: &[wgpu::Buffer],
    argmax: &[Option<wgpu::Buffer>],
) -> (wgpu::Buffer, Dispatch) {
    let LayerSpec::MaxPool2d { size } = spec.layers[i] else {
        unreachable!("fused_pool checked the layer")
    };
    let input = spec.input_shape(shapes, i); // [c, h, w], the activation's output
    let n = batch * input.iter().product::<usize>();
    let dyt = gpu.storage_f32(&format!("dyt{}", i - 2), n);
    let act = act_code(
        spec.layers[i - 1]
            .activation()
            .expect("fused_pool checked it"),
    );
    let words = [
        batch as u32,
        input[0] as u32,
        input[1] as u32,
        input[2] as u32,
        size as u32,
        act,
        0,
        0,
    ];
    let uni = gpu.uniform("pool act bwd", &words);
    let bind = pipes.bind(
        gpu,
        Kernel::PoolActBackward,
        &[
            grads[i + 1]
                .as_ref()
                .expect("the pool's output gradient exists")
                .as_entire_binding(),
            argmax[i]
                .as_ref()
                .expect("pool has argmax")
                .as_entire_binding(),
            acts[i].as_entire_binding(),
            dyt.as_entire_binding(),
            uni.as_entire_binding(),
        ],
    );
    let windows = input[1].div_ceil(size) * input[2].div_ceil(size);
    let dispatch = Dispatch {
        kernel: Kernel::PoolActBackward,
        bind,
        groups: Dispatch::planes(input[0] * windows, batch, 1),
    };
    (dyt, dispatch)
}
