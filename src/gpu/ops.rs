//! Builders for single dispatches shared by the forward and backward passes: the matmul (with its
//! split-K form for weight gradients), strided sums, dropout and conv geometry, and the buffers
//! every net shares. Each
//! creates its small uniform once; the returned `Dispatch` is replayed every step.
use super::context::Gpu;
use super::kernels::{Dispatch, Kernel, Pipelines};
use super::layout::{MatmulShape, ParamLayout};
use crate::spec::Padding;

/// Buffers the nets share: the model's parameters and (training only) gradients and step uniform.
pub struct Shared<'a> {
    pub params: &'a wgpu::Buffer,
    pub grads: &'a wgpu::Buffer,
    pub step: &'a wgpu::Buffer,
    pub layout: &'a ParamLayout,
}

/// Geometry of one conv layer for `batch` samples.
pub struct ConvDims {
    pub batch: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub k: usize,
    pub pad: usize,
    pub oh: usize,
    pub ow: usize,
    pub plane: usize,
    pub bp: usize,
    pub ckk: usize,
}

impl ConvDims {
    pub fn words(&self) -> [u32; 8] {
        [
            self.batch, self.c, self.h, self.w, self.k, self.pad, self.oh, self.ow,
        ]
        .map(|v| v as u32)
    }
}

pub fn conv_dims(
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
    let kernel = mm.pick(pipes.direct_matmul);
    let bind = pipes.bind(gpu, kernel, &[a, b, bias, c, uni.as_entire_binding()]);
    Dispatch {
        kernel,
        bind,
        groups: mm.groups_for(kernel),
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
    let kernel = mm.pick(pipes.direct_matmul);
    let tiles = m.div_ceil(MatmulShape::tile(kernel) as usize)
        * n.div_ceil(MatmulShape::tile_n(kernel) as usize);
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
        groups: [words[0].div_ceil(64).max(1), 1, 1],
    }
}

#[allow(clippy::too_many_arguments)]
pub fn dropout(
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
