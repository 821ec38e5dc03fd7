//! The one table of WGSL kernels (`shaders/*.wgsl`, pulled in with `include_str!`) and their
//! compute pipelines, built once per device. Bind-group layouts come from the shaders themselves
//! (`layout: None`), so each file's binding list is the single source of truth.
use super::context::Gpu;
pub use super::dispatch::{record, Dispatch};
use crate::error::{Error, Result};

/// Shared WGSL text prepended to the kernels that use it.
const STEP_UNIFORM: &str = include_str!("../../shaders/step_uniform.wgsl");
const COMMON_HASH: &str = include_str!("../../shaders/common_hash.wgsl");
/// The matmul kernels' shared uniform, bindings and epilogue.
const MATMUL_COMMON: &str = include_str!("../../shaders/matmul_common.wgsl");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    Gather,
    /// The plane's batches: feature rows and their targets (shaders/gather_rows.wgsl).
    GatherRows,
    Matmul,
    /// The same kernel with 32x32 output tiles (shaders/matmul.wgsl with `TQ = 8`).
    MatmulSmall,
    /// 32x32 tiles without workgroup memory or barriers (shaders/matmul_direct.wgsl), for
    /// software adapters.
    MatmulDirect,
    /// The same kernel with 32x16 tiles (shaders/matmul_direct.wgsl with `WX = 4`), for products
    /// at most 16 wide.
    MatmulDirectNarrow,
    /// The barrier-free kernel with an 8x8 block per invocation and 64x64 tiles
    /// (shaders/matmul_direct_wide.wgsl), for software adapters' larger products.
    MatmulDirectWide,
    /// The same kernel with 32x64 tiles (`WY = 4`), for products at most 32 tall.
    MatmulDirectFlat,
    SplitKSum,
    Matvec,
    Im2col,
    Col2im,
    TransposeBatchChannel,
    SumReduce,
    MaxpoolForward,
    MaxpoolBackward,
    /// Conv -> activation -> MaxPool2d backward fused (shaders/pool_act_backward.wgsl).
    PoolActBackward,
    ActivationForward,
    ActivationBackward,
    Dropout,
    LossSoftmaxCrossEntropy,
    LossMse,
    /// MSE against target values, the plane's regression (shaders/loss_mse_values.wgsl).
    LossMseValues,
    OptimizerUpdate,
    L1PenaltyGradient,
    LayerNorms,
}

/// `(kernel, file name, source, needs the Step struct, needs the dropout hash)`.
const TABLE: &[(Kernel, &str, &str, bool, bool)] = &[
    (
        Kernel::Gather,
        "gather.wgsl",
        include_str!("../../shaders/gather.wgsl"),
        true,
        false,
    ),
    (
        Kernel::GatherRows,
        "gather_rows.wgsl",
        include_str!("../../shaders/gather_rows.wgsl"),
        false,
        false,
    ),
    (
        Kernel::Matmul,
        "matmul.wgsl",
        include_str!("../../shaders/matmul.wgsl"),
        false,
        false,
    ),
    (
        Kernel::MatmulDirect,
        "matmul_direct.wgsl",
        include_str!("../../shaders/matmul_direct.wgsl"),
        false,
        false,
    ),
    (
        Kernel::MatmulDirectWide,
        "matmul_direct_wide.wgsl",
        include_str!("../../shaders/matmul_direct_wide.wgsl"),
        false,
        false,
    ),
    (
        Kernel::PoolActBackward,
        "pool_act_backward.wgsl",
        include_str!("../../shaders/pool_act_backward.wgsl"),
        false,
        false,
    ),
    (
        Kernel::SplitKSum,
        "split_k_sum.wgsl",
        include_str!("../../shaders/split_k_sum.wgsl"),
        false,
        false,
    ),
    (
        Kernel::Matvec,
        "matvec.wgsl",
        include_str!("../../shaders/matvec.wgsl"),
        false,
        false,
    ),
    (
        Kernel::Im2col,
        "im2col.wgsl",
        include_str!("../../shaders/im2col.wgsl"),
        false,
        false,
    ),
    (
        Kernel::Col2im,
        "col2im.wgsl",
        include_str!("../../shaders/col2im.wgsl"),
        false,
        false,
    ),
    (
        Kernel::TransposeBatchChannel,
        "transpose_batch_channel.wgsl",
        include_str!("../../shaders/transpose_batch_channel.wgsl"),
        false,
        false,
    ),
    (
        Kernel::SumReduce,
        "sum_reduce.wgsl",
        include_str!("../../shaders/sum_reduce.wgsl"),
        false,
        false,
    ),
    (
        Kernel::MaxpoolForward,
        "maxpool_forward.wgsl",
        include_str!("../../shaders/maxpool_forward.wgsl"),
        false,
        false,
    ),
    (
        Kernel::MaxpoolBackward,
        "maxpool_backward.wgsl",
        include_str!("../../shaders/maxpool_backward.wgsl"),
        false,
        false,
    ),
    (
        Kernel::ActivationForward,
        "activation_forward.wgsl",
        include_str!("../../shaders/activation_forward.wgsl"),
        false,
        false,
    ),
    (
        Kernel::ActivationBackward,
        "activation_backward.wgsl",
        include_str!("../../shaders/activation_backward.wgsl"),
        false,
        false,
    ),
    (
        Kernel::Dropout,
        "dropout.wgsl",
        include_str!("../../shaders/dropout.wgsl"),
        true,
        true,
    ),
    (
        Kernel::LossSoftmaxCrossEntropy,
        "loss_softmax_cross_entropy.wgsl",
        include_str!("../../shaders/loss_softmax_cross_entropy.wgsl"),
        true,
        false,
    ),
    (
        Kernel::LossMse,
        "loss_mse.wgsl",
        include_str!("../../shaders/loss_mse.wgsl"),
        true,
        false,
    ),
    (
        Kernel::LossMseValues,
        "loss_mse_values.wgsl",
        include_str!("../../shaders/loss_mse_values.wgsl"),
        true,
        false,
    ),
    (
        Kernel::OptimizerUpdate,
        "optimizer_update.wgsl",
        include_str!("../../shaders/optimizer_update.wgsl"),
        true,
        false,
    ),
    (
        Kernel::L1PenaltyGradient,
        "l1_penalty_gradient.wgsl",
        include_str!("../../shaders/l1_penalty_gradient.wgsl"),
        true,
        false,
    ),
    (
        Kernel::LayerNorms,
        "layer_norms.wgsl",
        include_str!("../../shaders/layer_norms.wgsl"),
        false,
        false,
    ),
];

/// Kernels built from another one's text by rewriting one constant line:
/// `(variant, base, line in the base, replacement, pipeline label)`.
const VARIANTS: &[(Kernel, Kernel, &str, &str, &str)] = &[
    (
        Kernel::MatmulSmall,
        Kernel::Matmul,
        "const TQ: u32 = 16u;",
        "const TQ: u32 = 8u;",
        "matmul.wgsl (32x32 tiles)",
    ),
    (
        Kernel::MatmulDirectNarrow,
        Kernel::MatmulDirect,
        "const WX: u32 = 8u;",
        "const WX: u32 = 4u;",
        "matmul_direct.wgsl (32x16 tiles)",
    ),
    (
        Kernel::MatmulDirectFlat,
        Kernel::MatmulDirectWide,
        "const WY: u32 = 8u;",
        "const WY: u32 = 4u;",
        "matmul_direct_wide.wgsl (32x64 tiles)",
    ),
];

/// The full WGSL text of a kernel, with its shared preludes.
pub fn source(kernel: Kernel) -> String {
    if let Some(&(_, base, line, replacement, _)) = VARIANTS.iter().find(|v| v.0 == kernel) {
        let text = source(base);
        assert!(
            text.contains(line),
            "{base:?}'s shader declares `{line}`, which its {kernel:?} variant rewrites"
        );
        return text.replace(line, replacement);
    }
    let &(_, _, src, step, hash) = TABLE
        .iter()
        .find(|e| e.0 == kernel)
        .expect("every kernel is in TABLE");
    let mut text = String::new();
    if step {
        text.push_str(STEP_UNIFORM);
    }
    if hash {
        text.push_str(COMMON_HASH);
    }
    if matches!(
        kernel,
        Kernel::Matmul | Kernel::MatmulDirect | Kernel::MatmulDirectWide
    ) {
        text.push_str(MATMUL_COMMON);
    }
    text.push_str(src);
    text
}

pub struct Pipelines {
    pipelines: Vec<(Kernel, wgpu::ComputePipeline)>,
    /// The barrier-free matmul family every product uses, or `None` for the tiled kernels (see
    /// `matmul_choice::for_adapter`).
    pub direct_matmul: Option<Kernel>,
}

impl Pipelines {
    /// Compile every kernel; a shader or pipeline error comes back as `Error::Gpu`. Products
    /// will use `direct_matmul` (`None`: the tiled kernels).
    pub async fn new(gpu: &Gpu, direct_matmul: Option<Kernel>) -> Result<Self> {
        let all: Vec<Kernel> = TABLE
            .iter()
            .map(|e| e.0)
            .chain(VARIANTS.iter().map(|v| v.0))
            .collect();
        let mut pipes = Self::only(gpu, &all).await?;
        pipes.direct_matmul = direct_matmul;
        Ok(pipes)
    }

    /// Compile only `kernels` (the matmul benchmark needs one).
    pub async fn only(gpu: &Gpu, kernels: &[Kernel]) -> Result<Self> {
        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut pipelines = Vec::new();
        for &kernel in kernels {
            let name = VARIANTS
                .iter()
                .find(|v| v.0 == kernel)
                .map(|v| v.4)
                .or_else(|| TABLE.iter().find(|e| e.0 == kernel).map(|e| e.1))
                .unwrap_or("?");
            let module = gpu
                .device
                .create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(name),
                    source: wgpu::ShaderSource::Wgsl(source(kernel).into()),
                });
            let pipeline = gpu
                .device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(name),
                    layout: None,
                    module: &module,
                    entry_point: Some("main"),
                    // Every kernel writes its workgroup memory before reading it, so the zero-fill
                    // wgpu would otherwise inject at the start of each workgroup is pure cost.
                    compilation_options: wgpu::PipelineCompilationOptions {
                        zero_initialize_workgroup_memory: false,
                        ..Default::default()
                    },
                    cache: None,
                });
            pipelines.push((kernel, pipeline));
        }
        if let Some(e) = scope.pop().await {
            return Err(Error::Gpu(format!("compiling the kernels: {e}")));
        }
        gpu.check()?;
        Ok(Self {
            pipelines,
            direct_matmul: None,
        })
    }

    pub fn get(&self, kernel: Kernel) -> &wgpu::ComputePipeline {
        &self
            .pipelines
            .iter()
            .find(|p| p.0 == kernel)
            .expect("pipeline was compiled")
            .1
    }

    /// A bind group for `kernel` whose binding `i` is `resources[i]`.
    pub fn bind(
        &self,
        gpu: &Gpu,
        kernel: Kernel,
        resources: &[wgpu::BindingResource],
    ) -> wgpu::BindGroup {
        let layout = self.get(kernel).get_bind_group_layout(0);
        let entries: Vec<wgpu::BindGroupEntry> = resources
            .iter()
            .enumerate()
            .map(|(i, r)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: r.clone(),
            })
            .collect();
        gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &layout,
            entries: &entries,
        })
    }
}
