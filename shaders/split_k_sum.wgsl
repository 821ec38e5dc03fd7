// Sum the partial products of a split-K matmul: out[i] = sum_{z < splits} partial[z*n + i].
// The order of the sum is fixed (z ascending), so results are deterministic.
// Bindings: 0 partial [splits, n] (read), 1 out [n] (write), 2 params {n, splits}.
// Dispatch: ceil(n / 256) workgroups of 256 as a 2-D grid (index = gid.x + gid.y * nwg.x * 256).

struct Params { n: u32, splits: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= p.n) {
        return;
    }
    var s = 0.0;
    for (var z = 0u; z < p.splits; z++) {
        s += partial[z * p.n + i];
    }
    out[i] = s;
}
