// Strided sums for bias gradients: out[i] = sum_{j < len} x[i*si + j*sj].
// Dense: db[o] = sum_b dy[b, o] (si = 1, sj = units); conv: db[f] = sum dyT[f, :] (si = len, sj = 1).
// Bindings: 0 x (read), 1 out (write), 2 params {rows, len, si, sj}.
// Layout:   one workgroup of 256 per output; strided partial sums, then a tree in workgroup memory.
// Dispatch: (rows, 1, 1).

struct Params { rows: u32, len: u32, si: u32, sj: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let row = wid.x;
    var s = 0.0;
    for (var j = lid.x; j < p.len; j += 256u) {
        s += x[row * p.si + j * p.sj];
    }
    partial[lid.x] = s;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride >>= 1u) {
        if (lid.x < stride) {
            partial[lid.x] += partial[lid.x + stride];
        }
        workgroupBarrier();
    }
    if (lid.x == 0u && row < p.rows) {
        out[row] = partial[0];
    }
}
