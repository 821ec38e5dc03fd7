// Route each pooled gradient to the input that won its window: dx[i] = dy[o] if argmax[o] == i for
// the (single, non-overlapping) window o containing i, else 0. One invocation per input element,
// so dx is fully overwritten without a separate clear.
// Bindings: 0 dy [planes, oh, ow] (read), 1 argmax (read), 2 dx [planes, h, w] (write), 3 params.
// Dispatch: ceil(planes*h*w / 256) workgroups of 256 as a 2-D grid.

struct Params { planes: u32, h: u32, w: u32, size: u32 }

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> argmax: array<u32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= p.planes * p.h * p.w) {
        return;
    }
    let x = i % p.w;
    let y = (i / p.w) % p.h;
    let pl = i / (p.w * p.h);
    let oh = p.h / p.size;
    let ow = p.w / p.size;
    let oy = y / p.size;
    let ox = x / p.size;
    var g = 0.0;
    if (oy < oh && ox < ow) {
        let o = (pl * oh + oy) * ow + ox;
        if (argmax[o] == i) {
            g = dy[o];
        }
    }
    dx[i] = g;
}
