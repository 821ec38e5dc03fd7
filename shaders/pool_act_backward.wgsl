// The backward of Conv -> activation -> MaxPool2d in one pass, straight into the layout the conv's
// weight-gradient product reads:
//   dst[c, b, q] = f'(y[b, c, q]) * (dy[b, c, o(q)] if argmax[b, c, o(q)] == (b, c, q) else 0)
// where y is the activation's output (the pool's input), o(q) the pooling window holding pixel q
// and f' as in activation_backward.wgsl. Replaces maxpool_backward + activation_backward +
// transpose_batch_channel (three passes over the conv output, two intermediate tensors): on
// SwiftShader each pass costs about as much as its memory traffic.
// Bindings: 0 dy [batch, c, oh, ow] (read), 1 argmax (read, flat pool-input indices as written by
//           maxpool_forward.wgsl), 2 y [batch, c, h, w] (read), 3 dst [c, batch, h*w] (write),
//           4 params {batch, c, h, w, size, act: 1 relu, 2 sigmoid, 3 tanh}.
// Dispatch: ceil(batch*c*h*w / 256) workgroups of 256 as a 2-D grid; one invocation per dst element,
//           so dst is fully overwritten.

struct Params { batch: u32, c: u32, h: u32, w: u32, size: u32, act: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> argmax: array<u32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    let plane = p.h * p.w;
    if (i >= p.batch * p.c * plane) {
        return;
    }
    let q = i % plane;
    let b = (i / plane) % p.batch;
    let ch = i / (plane * p.batch);
    let src = (b * p.c + ch) * plane + q;
    let oh = p.h / p.size;
    let ow = p.w / p.size;
    let oy = (q / p.w) / p.size;
    let ox = (q % p.w) / p.size;
    var g = 0.0;
    if (oy < oh && ox < ow) {
        let o = ((b * p.c + ch) * oh + oy) * ow + ox;
        if (argmax[o] == src) {
            g = dy[o];
        }
    }
    let v = y[src];
    var d: f32;
    switch p.act {
        case 1u: { d = select(0.0, 1.0, v > 0.0); }
        case 2u: { d = v * (1.0 - v); }
        default: { d = 1.0 - v * v; }
    }
    dst[i] = g * d;
}
