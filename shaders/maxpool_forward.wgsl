// MaxPool2d(size), stride = size, floor: y[pl, oy, ox] = max of the window, argmax = flat input
// index of the first maximum in row-major window order (same ties as src/cpu/pool.rs).
// Bindings: 0 x [planes, h, w] (read), 1 y [planes, oh, ow] (write), 2 argmax (write, u32), 3 params.
// Dispatch: ceil(planes*oh*ow / 256) workgroups of 256 as a 2-D grid.

struct Params { planes: u32, h: u32, w: u32, size: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let o = gid.x + gid.y * nwg.x * 256u;
    let oh = p.h / p.size;
    let ow = p.w / p.size;
    if (o >= p.planes * oh * ow) {
        return;
    }
    let ox = o % ow;
    let oy = (o / ow) % oh;
    let pl = o / (ow * oh);
    var best_i = (pl * p.h + oy * p.size) * p.w + ox * p.size;
    var best = x[best_i];
    for (var ky = 0u; ky < p.size; ky++) {
        for (var kx = 0u; kx < p.size; kx++) {
            let i = (pl * p.h + oy * p.size + ky) * p.w + ox * p.size + kx;
            let v = x[i];
            if (v > best) {
                best = v;
                best_i = i;
            }
        }
    }
    y[o] = best;
    argmax[o] = best_i;
}
