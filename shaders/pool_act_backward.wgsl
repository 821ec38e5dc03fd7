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
// Dispatch: (ceil(c*wh*ww / 256), batch, 1) with wh = ceil(h / size), ww = ceil(w / size): one
//           invocation per pooling window (and per partial window at a ragged edge, whose pixels
//           no pool output covers), writing all of its pixels, so dst is fully overwritten. Per
//           window, not per pixel: on SwiftShader the integer divisions that locate a pixel's
//           window cost as much as its loads (conv1's backward: 70 -> 45 ms).

struct Params { batch: u32, c: u32, h: u32, w: u32, size: u32, act: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> argmax: array<u32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn derivative(v: f32) -> f32 {
    switch p.act {
        case 1u: { return select(0.0, 1.0, v > 0.0); }
        case 2u: { return v * (1.0 - v); }
        default: { return 1.0 - v * v; }
    }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let ww = (p.w + p.size - 1u) / p.size;
    let wh = (p.h + p.size - 1u) / p.size;
    let windows = ww * wh;
    if (gid.x >= p.c * windows) {
        return;
    }
    let b = gid.y;
    let ch = gid.x / windows;
    let t = gid.x - ch * windows;
    let wy = t / ww;
    let wx = t - wy * ww;
    let oh = p.h / p.size;
    let ow = p.w / p.size;
    let plane = p.h * p.w;
    let src_plane = (b * p.c + ch) * plane;
    let dst_plane = (ch * p.batch + b) * plane;
    // A ragged edge's partial window has no pool output: its pixels get zero.
    var g = 0.0;
    var winner = 0xffffffffu;
    if (wy < oh && wx < ow) {
        let o = ((b * p.c + ch) * oh + wy) * ow + wx;
        g = dy[o];
        winner = argmax[o];
    }
    let y0 = wy * p.size;
    let x0 = wx * p.size;
    for (var yy = y0; yy < min(y0 + p.size, p.h); yy++) {
        for (var xx = x0; xx < min(x0 + p.size, p.w); xx++) {
            let q = yy * p.w + xx;
            let src = src_plane + q;
            dst[dst_plane + q] = select(0.0, g, winner == src) * derivative(y[src]);
        }
    }
}
