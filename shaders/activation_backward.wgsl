// dx = dy * f'(x), written with the forward output y: relu (y > 0), sigmoid y (1 - y), tanh 1 - y^2.
// Mirrors src/cpu/activation.rs `activation_backward`. Taking y (not x) means a dense/conv layer
// can fuse the activation into its matmul and never store the pre-activation.
// Bindings: 0 y (read), 1 dy (read), 2 dx (write), 3 params {n, kind: 1 relu, 2 sigmoid, 3 tanh}.
// Dispatch: ceil(n / 256) workgroups of 256 as a 2-D grid (index = gid.x + gid.y * nwg.x * 256).

struct Params { n: u32, kind: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= p.n) {
        return;
    }
    let v = y[i];
    var d: f32;
    switch p.kind {
        case 1u: { d = select(0.0, 1.0, v > 0.0); }
        case 2u: { d = v * (1.0 - v); }
        default: { d = 1.0 - v * v; }
    }
    dx[i] = dy[i] * d;
}
