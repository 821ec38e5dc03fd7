// Inverted dropout, forward and backward alike: out[i] = in[i] * (keep(seed, layer, i) ? scale : 0)
// with scale = 1 / (1 - rate) computed on the host (bit-identical to the CPU's). Mirrors
// src/cpu/dropout.rs; the mask is recomputed from the hash in common_hash.wgsl, never stored.
// Bindings: 0 in (read), 1 out (write), 2 params {n, layer, rate, scale}, 3 step uniform (seed).
// Dispatch: ceil(n / 256) workgroups of 256 as a 2-D grid (index = gid.x + gid.y * nwg.x * 256).

struct Params { n: u32, layer: u32, rate: f32, scale: f32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@group(0) @binding(3) var<uniform> step: Step;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= p.n) {
        return;
    }
    dst[i] = src[i] * select(0.0, p.scale, dropout_keep(step.seed, p.layer, i, p.rate));
}
