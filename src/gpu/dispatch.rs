//! One recorded kernel launch ([`Dispatch`]: kernel, bind group, workgroup counts), the grid
//! shapes the kernels are laid out for, and recording a list of them into a compute pass.
use super::kernels::{Kernel, Pipelines};

/// One recorded kernel launch: the training step and inference replay lists of these.
pub struct Dispatch {
    pub kernel: Kernel,
    pub bind: wgpu::BindGroup,
    pub groups: [u32; 3],
}

impl Dispatch {
    /// Workgroups for `n` invocations at 256 per group, folded into 2-D past the 65535 limit
    /// (the kernels index with `gid.x + gid.y * num_workgroups.x * 256`).
    /// Workgroups for kernels laid out as (pixel within a plane, plane index y, plane index z):
    /// `ceil(len / 256)` along x, and `y` x `z` planes.
    pub fn planes(len: usize, y: usize, z: usize) -> [u32; 3] {
        [len.div_ceil(256).max(1) as u32, y as u32, z as u32]
    }

    /// Workgroups of col2im.wgsl: 64 wide along one image's `plane` pixels, one channel per y,
    /// one image per z.
    pub fn col2im(plane: usize, channels: usize, batch: usize) -> [u32; 3] {
        [
            plane.div_ceil(64).max(1) as u32,
            channels as u32,
            batch as u32,
        ]
    }

    pub fn grid(n: usize) -> [u32; 3] {
        let groups = n.div_ceil(256).max(1) as u32;
        let x = groups.min(65535);
        [x, groups.div_ceil(x), 1]
    }
}

/// Record `dispatches` into one compute pass.
pub fn record(pass: &mut wgpu::ComputePass, pipelines: &Pipelines, dispatches: &[Dispatch]) {
    for d in dispatches {
        pass.set_pipeline(pipelines.get(d.kernel));
        pass.set_bind_group(0, &d.bind, &[]);
        pass.dispatch_workgroups(d.groups[0], d.groups[1], d.groups[2]);
    }
}
