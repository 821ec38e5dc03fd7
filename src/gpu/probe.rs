//! Single-kernel entry points: run any kernel of the table on host data and read every buffer
//! back (the kernel tests, tests/gpu_kernels_*.rs, compare them with the CPU reference), and
//! the matmul benchmark the CLI's `bench` reports.
use super::context::{bytes_to_u32, Gpu};
use super::kernels::{Kernel, Pipelines};
use super::layout::{MatmulShape, Stored};
use crate::error::{Error, Result};

/// One binding of a probed kernel, in binding order.
pub enum Arg {
    /// A storage buffer holding these f32 values.
    F32(Vec<f32>),
    /// A storage buffer holding these u32 values.
    U32(Vec<u32>),
    /// A uniform buffer of these words (f32 fields as `to_bits()`).
    Uniform(Vec<u32>),
}

pub struct Probe {
    gpu: Gpu,
    pipes: Pipelines,
}

impl Probe {
    pub async fn new() -> Result<Self> {
        let gpu = Gpu::new().await?;
        let pipes = Pipelines::new(&gpu, None).await?;
        Ok(Self { gpu, pipes })
    }

    pub fn adapter(&self) -> String {
        format!("{} ({:?})", self.gpu.info.name, self.gpu.info.backend)
    }

    /// Dispatch `kernel` once with `args` bound at 0, 1, ... and return the contents of every
    /// storage buffer afterwards as raw words (uniforms come back empty).
    pub async fn run(
        &self,
        kernel: Kernel,
        args: &[Arg],
        groups: [u32; 3],
    ) -> Result<Vec<Vec<u32>>> {
        let (buffers, bind) = self.bind(kernel, args);
        self.dispatch(kernel, &bind, groups, 1);
        let storage: Vec<&wgpu::Buffer> = buffers.iter().filter(|b| b.1).map(|b| &b.0).collect();
        let total: u64 = storage.iter().map(|b| b.size()).sum();
        let staging = self.gpu.staging(total);
        let ranges: Vec<(&wgpu::Buffer, u64, u64)> =
            storage.iter().map(|b| (*b, 0, b.size())).collect();
        let mut bytes = self.gpu.read(&staging, &ranges).await?.into_iter();
        Ok(buffers
            .iter()
            .map(|b| {
                if b.1 {
                    bytes_to_u32(&bytes.next().unwrap_or_default())
                } else {
                    Vec::new()
                }
            })
            .collect())
    }

    /// Seconds per dispatch of `kernel` over `iters` back-to-back dispatches in one submission
    /// (uploads finished beforehand; timed to the end of a 4-byte readback). Profiling only.
    pub async fn time(
        &self,
        kernel: Kernel,
        args: &[Arg],
        groups: [u32; 3],
        iters: usize,
    ) -> Result<f64> {
        let (buffers, bind) = self.bind(kernel, args);
        let first = &buffers.iter().find(|b| b.1).expect("a storage argument").0;
        let small = self.gpu.staging(4);
        self.gpu.read(&small, &[(first, 0, 4)]).await?;
        let start = now_seconds();
        self.dispatch(kernel, &bind, groups, iters);
        self.gpu.read(&small, &[(first, 0, 4)]).await?;
        Ok((now_seconds() - start) / iters.max(1) as f64)
    }

    fn bind(&self, kernel: Kernel, args: &[Arg]) -> (Vec<(wgpu::Buffer, bool)>, wgpu::BindGroup) {
        let buffers: Vec<(wgpu::Buffer, bool)> = args
            .iter()
            .map(|a| match a {
                Arg::F32(v) => (
                    self.gpu.storage_init("probe", bytemuck::cast_slice(v)),
                    true,
                ),
                Arg::U32(v) => (
                    self.gpu.storage_init("probe", bytemuck::cast_slice(v)),
                    true,
                ),
                Arg::Uniform(w) => (self.gpu.uniform("probe", w), false),
            })
            .collect();
        let resources: Vec<wgpu::BindingResource> =
            buffers.iter().map(|b| b.0.as_entire_binding()).collect();
        let bind = self.pipes.bind(&self.gpu, kernel, &resources);
        (buffers, bind)
    }

    fn dispatch(&self, kernel: Kernel, bind: &wgpu::BindGroup, groups: [u32; 3], iters: usize) {
        let mut encoder = self
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("probe"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("probe"),
                timestamp_writes: None,
            });
            pass.set_pipeline(self.pipes.get(kernel));
            pass.set_bind_group(0, bind, &[]);
            for _ in 0..iters {
                pass.dispatch_workgroups(groups[0], groups[1], groups[2]);
            }
        }
        self.gpu.queue.submit([encoder.finish()]);
    }
}

/// Words of the matmul uniform for a probe (see shaders/matmul.wgsl) and the workgroups of the
/// 64x64-tile `Kernel::Matmul`.
#[allow(clippy::too_many_arguments)]
pub fn matmul_params(
    m: u32,
    n: u32,
    k: u32,
    a_strides: [u32; 2],
    b_strides: [u32; 2],
    c_strides: [u32; 2],
    batch_strides: [u32; 3],
    bias_mode: u32,
    act: u32,
) -> (Vec<u32>, [u32; 3]) {
    let mm = MatmulShape {
        m,
        n,
        k,
        sam: a_strides[0],
        sak: a_strides[1],
        sbk: b_strides[0],
        sbn: b_strides[1],
        scm: c_strides[0],
        scn: c_strides[1],
        za: batch_strides[0],
        zb: batch_strides[1],
        zc: batch_strides[2],
        bias_mode,
        act,
        k_total: 0,
        batches: 1,
    };
    (mm.words().to_vec(), mm.groups_for(Kernel::Matmul))
}

/// Words and workgroups of the first half of a split-K product (see `net::weight_grad`): K is cut
/// into `splits` slices of `per` (a multiple of 16), each writing partial `[m, n]` number z.
pub fn split_k_params(
    m: u32,
    n: u32,
    k: u32,
    a_strides: [u32; 2],
    b_strides: [u32; 2],
    splits: u32,
) -> (Vec<u32>, [u32; 3]) {
    let per = k.div_ceil(splits).next_multiple_of(16);
    let mm = MatmulShape {
        m,
        n,
        k: per,
        sam: a_strides[0],
        sak: a_strides[1],
        sbk: b_strides[0],
        sbn: b_strides[1],
        scm: n,
        scn: 1,
        za: per * a_strides[1],
        zb: per * b_strides[0],
        zc: m * n,
        bias_mode: 0,
        act: 0,
        k_total: k,
        batches: k.div_ceil(per),
    };
    (mm.words().to_vec(), mm.groups_for(Kernel::Matmul))
}

pub(crate) fn now_seconds() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() / 1000.0
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }
}

/// GFLOP/s of the training matmul (`C[m,n] = A[m,k] B[n,k]^T`, the dense forward layout, with the
/// tile variant the backend would pick for this shape) on this
/// adapter: `iters` submissions of one dispatch each, timed from the first submission to the end
/// of a final readback (after one untimed warm-up).
pub async fn bench_matmul(m: usize, k: usize, n: usize, iters: usize) -> Result<f64> {
    bench_matmul_tiles(m, k, n, iters, None).await
}

/// [`bench_matmul`] with the tile variant forced (`Some(Kernel::Matmul)` or
/// `Some(Kernel::MatmulSmall)`), to compare them on one adapter.
pub async fn bench_matmul_tiles(
    m: usize,
    k: usize,
    n: usize,
    iters: usize,
    tiles: Option<Kernel>,
) -> Result<f64> {
    if m == 0 || k == 0 || n == 0 || iters == 0 {
        return Err(Error::Config(
            "bench sizes and iterations must be positive".into(),
        ));
    }
    let gpu = Gpu::new().await?;
    let pipes = Pipelines::only(
        &gpu,
        &[
            Kernel::Matmul,
            Kernel::MatmulSmall,
            Kernel::MatmulDirect,
            Kernel::MatmulDirectNarrow,
            Kernel::MatmulDirectWide,
            Kernel::MatmulDirectFlat,
        ],
    )
    .await?;
    let a: Vec<f32> = (0..m * k)
        .map(|i| ((i * 7 % 13) as f32 - 6.0) / 13.0)
        .collect();
    let b: Vec<f32> = (0..k * n)
        .map(|i| ((i * 5 % 11) as f32 - 5.0) / 11.0)
        .collect();
    let a_buf = gpu.storage_init("a", bytemuck::cast_slice(&a));
    let b_buf = gpu.storage_init("b", bytemuck::cast_slice(&b));
    let bias = gpu.storage_f32("bias", n);
    let c_buf = gpu.storage_f32("c", m * n);
    let mm = MatmulShape {
        bias_mode: 1,
        ..MatmulShape::product(
            m as u32,
            n as u32,
            k as u32,
            Stored::AsIs,
            Stored::Transposed,
        )
    };
    let kernel = match tiles {
        Some(
            k @ (Kernel::Matmul
            | Kernel::MatmulSmall
            | Kernel::MatmulDirect
            | Kernel::MatmulDirectNarrow
            | Kernel::MatmulDirectWide
            | Kernel::MatmulDirectFlat),
        ) => k,
        Some(other) => {
            return Err(Error::Config(format!("{other:?} is not a matmul kernel")));
        }
        None => mm.kernel(),
    };
    let uni = gpu.uniform("bench", &mm.words());
    let bind = pipes.bind(
        &gpu,
        kernel,
        &[
            a_buf.as_entire_binding(),
            b_buf.as_entire_binding(),
            bias.as_entire_binding(),
            c_buf.as_entire_binding(),
            uni.as_entire_binding(),
        ],
    );
    let staging = gpu.staging(4);
    let run = |count: usize| {
        for _ in 0..count {
            let mut encoder = gpu
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("bench"),
                });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("bench"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(pipes.get(kernel));
                pass.set_bind_group(0, &bind, &[]);
                let g = mm.groups_for(kernel);
                pass.dispatch_workgroups(g[0], g[1], g[2]);
            }
            gpu.queue.submit([encoder.finish()]);
        }
    };
    run(1);
    gpu.read(&staging, &[(&c_buf, 0, 4)]).await?;
    let start = now_seconds();
    run(iters);
    gpu.read(&staging, &[(&c_buf, 0, 4)]).await?;
    let secs = (now_seconds() - start).max(1e-9);
    Ok(2.0 * (m * k * n * iters) as f64 / secs / 1e9)
}
