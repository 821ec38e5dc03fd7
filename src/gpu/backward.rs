//! The backward half of a training net: gradient buffers (aliased like the activations they
//! belong to) and the dispatch list from the loss gradient down to the first layer's weights.
//! Layer `i` reads `grads[i + 1]` and writes `grads[i]`; weight and bias gradients go into the
//! shared flat gradient buffer at the tensor's offset.
use super::context::Gpu;
use super::kernels::{Dispatch, Kernel, Pipelines};
use super::layout::{act_code, activation_of, view, MatmulShape};
use super::net::Shared;
use super::ops::{conv_dims, dropout, matmul, sum_reduce, weight_grad};
use crate::error::Result;
use crate::spec::{LayerSpec, ModelSpec};

/// The backward dispatches of `spec` for `batch` samples and the buffer the loss writes its
/// gradient into. `acts`, `cols` and `argmax` are the forward pass's buffers.
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
) -> Result<(Vec<Dispatch>, wgpu::Buffer)> {
    let shapes = spec.shapes()?;
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
                let col = cols[i].as_ref().expect("conv has a col buffer");
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
            LayerSpec::Dropout { rate } => {
                if let Some(dx) = dx {
                    backward.push(dropout(gpu, pipes, shared, dy, dx, size(&input), i, rate));
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
    let dlogits = grads[nl].clone().expect("the loss gradient buffer exists");
    Ok((backward, dlogits))
}
