// Gather a training batch of feature rows (the plane's sets, src/points/): x[b, :] is row
// indices[b] of the uploaded rows, used as they are (no scaling, no augmentation), and
// targets_out[b, :] its target words: a class label (u32) or `per_target` value bits (f32).
// Mirrors src/cpu/backend.rs `CpuBackend::gather_rows`; MNIST's byte images use gather.wgsl.
//
// Bindings: 0 rows       [n, width] f32
//           1 targets    [n, per_target] u32 words (labels, or f32 value bits)
//           2 indices    [batch] u32
//           3 x out      [batch, width] f32
//           4 targets_out [batch, per_target] u32 words
//           5 uniform    (width, per_target)
// Dispatch: ceil(batch*width / 256) workgroups of 256, one invocation per output value
//           (2-D grid: index = gid.x + gid.y * num_workgroups.x * 256).

struct Shape {
    width: u32,
    per_target: u32,
}

@group(0) @binding(0) var<storage, read> rows: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> targets_out: array<u32>;
@group(0) @binding(5) var<uniform> shape: Shape;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    let batch = arrayLength(&indices);
    if (i >= batch * shape.width) {
        return;
    }
    let b = i / shape.width;
    let f = i % shape.width;
    let row = indices[b];
    x[i] = rows[row * shape.width + f];
    if (f == 0u) {
        for (var t = 0u; t < shape.per_target; t++) {
            targets_out[b * shape.per_target + t] = targets[row * shape.per_target + t];
        }
    }
}
