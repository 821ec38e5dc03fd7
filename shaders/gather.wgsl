// Gather a training batch from the uploaded set: x[b, p] = pixel / 255, optionally warped by a
// per-sample affine transform (bilinear, zero outside), and labels_out[b] = labels[indices[b]].
// Mirrors src/cpu/augment.rs `gather_batch` / `sample_bilinear` exactly.
//
// Bindings: 0 images  (u32, 4 pixels per word, little-endian, n*196 words)
//           1 labels  (u32 per sample)
//           2 indices (u32 per batch row)
//           3 transforms (6 f32 per batch row; ignored unless step.has_transforms)
//           4 x out   [batch, 784] f32
//           5 labels_out [batch] u32
//           6 step uniform
// Dispatch: ceil(batch*784 / 256) workgroups of 256, one invocation per output pixel
//           (2-D grid: index = gid.x + gid.y * num_workgroups.x * 256).

@group(0) @binding(0) var<storage, read> images: array<u32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read> transforms: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> labels_out: array<u32>;
@group(0) @binding(6) var<uniform> step: Step;

fn pixel(image: u32, px: i32, py: i32) -> f32 {
    if (px < 0 || py < 0 || px >= 28 || py >= 28) {
        return 0.0;
    }
    let p = image * 784u + u32(py) * 28u + u32(px);
    let byte = (images[p / 4u] >> ((p % 4u) * 8u)) & 0xFFu;
    return f32(byte) / 255.0;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    let batch = arrayLength(&labels_out);
    if (i >= batch * 784u) {
        return;
    }
    let b = i / 784u;
    let p = i % 784u;
    let image = indices[b];
    if (p == 0u) {
        labels_out[b] = labels[image];
    }
    let ox = i32(p % 28u);
    let oy = i32(p / 28u);
    if (step.has_transforms == 0u) {
        x[i] = pixel(image, ox, oy);
        return;
    }
    let t = b * 6u;
    let xf = f32(ox);
    let yf = f32(oy);
    let sx = transforms[t] * xf + transforms[t + 1u] * yf + transforms[t + 2u];
    let sy = transforms[t + 3u] * xf + transforms[t + 4u] * yf + transforms[t + 5u];
    let x0 = floor(sx);
    let y0 = floor(sy);
    let fx = sx - x0;
    let fy = sy - y0;
    let ix = i32(x0);
    let iy = i32(y0);
    x[i] = (1.0 - fx) * (1.0 - fy) * pixel(image, ix, iy)
        + fx * (1.0 - fy) * pixel(image, ix + 1, iy)
        + (1.0 - fx) * fy * pixel(image, ix, iy + 1)
        + fx * fy * pixel(image, ix + 1, iy + 1);
}
