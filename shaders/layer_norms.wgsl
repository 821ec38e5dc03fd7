// Sums of squares per parameter tensor for layer_stats: out[3t..3t+3] = (|g|^2, |w|^2, |update|^2)
// over tensor t's range [offset, offset + len) of the flat parameter buffers. Run only when the
// host asks for layer stats, on the gradients and update the last step left behind.
// Bindings: 0 w (read), 1 g (read), 2 update (read), 3 ranges (u32 pairs offset, len), 4 out (write).
// Layout:   one workgroup of 256 per tensor; strided partial sums, then a tree in workgroup memory.
// Dispatch: (tensors, 1, 1).

@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> update: array<f32>;
@group(0) @binding(3) var<storage, read> ranges: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<vec3<f32>, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let t = wid.x;
    let offset = ranges[2u * t];
    let len = ranges[2u * t + 1u];
    var s = vec3<f32>(0.0);
    for (var j = lid.x; j < len; j += 256u) {
        let i = offset + j;
        s += vec3<f32>(g[i] * g[i], w[i] * w[i], update[i] * update[i]);
    }
    part[lid.x] = s;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride >>= 1u) {
        if (lid.x < stride) {
            part[lid.x] += part[lid.x + stride];
        }
        workgroupBarrier();
    }
    if (lid.x == 0u) {
        out[3u * t] = part[0].x;
        out[3u * t + 1u] = part[0].y;
        out[3u * t + 2u] = part[0].z;
    }
}
