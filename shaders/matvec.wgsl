// Dense forward for a handful of rows (inference of one image): y[b, n] = act(dot(x[b, :], w[n, :])
// + bias[n]). A tiled matmul would give each of these thin products one or two workgroups that walk
// all of K alone; here every output gets its own workgroup and K is reduced in parallel.
// Bindings: 0 x [batch, k] (read), 1 w [n, k] (read), 2 bias [n] (read), 3 y [batch, n] (write),
//           4 params {batch, n, k, act: 0 none, 1 relu, 2 sigmoid, 3 tanh}.
// Layout:   one workgroup of 64 per output (n, b): strided partial dot products, then a tree sum.
// Dispatch: (n, batch, 1).

struct Params { batch: u32, n: u32, k: u32, act: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

var<workgroup> part: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let n = wid.x;
    let b = wid.y;
    var s = 0.0;
    for (var k = lid.x; k < p.k; k += 64u) {
        s += x[b * p.k + k] * w[n * p.k + k];
    }
    part[lid.x] = s;
    workgroupBarrier();
    for (var stride = 32u; stride > 0u; stride >>= 1u) {
        if (lid.x < stride) {
            part[lid.x] += part[lid.x + stride];
        }
        workgroupBarrier();
    }
    if (lid.x == 0u) {
        let v = part[0] + bias[n];
        var out = v;
        switch p.act {
            case 1u: { out = max(v, 0.0); }
            case 2u: { out = 1.0 / (1.0 + exp(-v)); }
            case 3u: { out = tanh(v); }
            default: {}
        }
        y[b * p.n + n] = out;
    }
}
