// y = f(x) elementwise for ReLU / sigmoid / tanh. Mirrors src/cpu/activation.rs `activation_forward`.
// Bindings: 0 x (read), 1 y (write), 2 params {n, kind: 1 relu, 2 sigmoid, 3 tanh}.
// Dispatch: ceil(n / 256) workgroups of 256 as a 2-D grid (index = gid.x + gid.y * nwg.x * 256).

struct Params { n: u32, kind: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= p.n) {
        return;
    }
    let v = x[i];
    switch p.kind {
        case 1u: { y[i] = max(v, 0.0); }
        case 2u: { y[i] = 1.0 / (1.0 + exp(-v)); }
        default: { y[i] = tanh(v); }
    }
}
