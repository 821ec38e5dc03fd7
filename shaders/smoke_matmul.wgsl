// Smoke-test kernel: the plainest possible matmul, used by tests/wasm_smoke.rs to prove that
// wgpu reaches a real WebGPU adapter in the browser and computes the right numbers. It is not
// the training kernel (that lives with the GPU backend); it only has to be obviously correct.
//
// Bindings (group 0):
//   0: dims   uniform     { m, k, n, _pad }
//   1: a      storage, read        [m, k] row-major f32
//   2: b      storage, read        [k, n] row-major f32
//   3: c      storage, read_write  [m, n] row-major f32, c = a @ b
// Dispatch: (ceil(n / 8), ceil(m / 8), 1) workgroups of 8x8; one invocation per output element,
// guarded so shapes that are not multiples of 8 are fine.

struct Dims {
    m: u32,
    k: u32,
    n: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let col = gid.x;
    let row = gid.y;
    if (row >= dims.m || col >= dims.n) {
        return;
    }
    var acc = 0.0;
    for (var i = 0u; i < dims.k; i = i + 1u) {
        acc = acc + a[row * dims.k + i] * b[i * dims.n + col];
    }
    c[row * dims.n + col] = acc;
}
