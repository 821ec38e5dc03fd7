// Strided sums for bias gradients: out[i] = sum_{j < len} x[i*si + j*sj].
// Dense: db[o] = sum_b dy[b, o] (si = 1, sj = units); conv: db[f] = sum dyT[f, :] (si = len, sj = 1).
// Bindings: 0 x (read), 1 out (write), 2 params {rows, len, si, sj}.
// Layout:   one invocation per output, summing j in ascending order in registers. The rows are few
//           (biases), and on software adapters a tree in workgroup memory (8 barriers) cost far
//           more than the serial loop.
// Dispatch: (ceil(rows / 64), 1, 1) or more (extra invocations do nothing).

struct Params { rows: u32, len: u32, si: u32, sj: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.x;
    if (row >= p.rows) {
        return;
    }
    var s = 0.0;
    var at = row * p.si;
    for (var j = 0u; j < p.len; j++) {
        s += x[at];
        at += p.sj;
    }
    out[row] = s;
}
