// Swap the two outer axes of an NCHW tensor: dst[c, b, q] = src[b, c, q] (q runs over h*w).
// Turns a conv output gradient [batch, f, P] into [f, batch*P], the left operand of the weight
// gradient matmul and the input of the bias-gradient row sums.
// Bindings: 0 src [batch, c, plane] (read), 1 dst [c, batch, plane] (write), 2 params.
// Dispatch: ceil(batch*c*plane / 256) workgroups of 256 as a 2-D grid.

struct Params { batch: u32, c: u32, plane: u32, _pad: u32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= p.batch * p.c * p.plane) {
        return;
    }
    let q = i % p.plane;
    let c = (i / p.plane) % p.c;
    let b = i / (p.plane * p.c);
    dst[(c * p.batch + b) * p.plane + q] = src[i];
}
