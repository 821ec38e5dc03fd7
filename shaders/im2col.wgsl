// Unfold conv2d input patches: col[ckk, b*P + p] = x[b, c, oy+ky-pad, ox+kx-pad] (0 outside),
// with ckk = (c*k + ky)*k + kx, p = oy*ow + ox, P = oh*ow. Rows of `col` run over the whole batch
// so the weight gradient is one matmul with K = batch*P (see src/gpu/net.rs).
// Bindings: 0 x [batch, c, h, w] (read), 1 col [c*k*k, batch*P] (write), 2 params.
// Dispatch: (ceil(P / 64), c*k*k, batch): x runs along one image's pixels, y picks the row of
//           `col`, z the image, so only the pixel and the row need dividing out (on SwiftShader
//           each integer division per element costs about as much as its load). 64 wide: a
//           conv2-sized plane (121 pixels) wastes 6% of a workgroup, not half of a 256-wide one.

struct Params { batch: u32, c: u32, h: u32, w: u32, k: u32, pad: u32, oh: u32, ow: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> col: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let plane = p.oh * p.ow;
    let q = gid.x;
    if (q >= plane) {
        return;
    }
    let ckk = gid.y;
    let b = gid.z;
    let kk = p.k * p.k;
    let c = ckk / kk;
    let ky = (ckk - c * kk) / p.k;
    let kx = ckk - c * kk - ky * p.k;
    let oy = q / p.ow;
    let ox = q - oy * p.ow;
    let iy = i32(oy + ky) - i32(p.pad);
    let ix = i32(ox + kx) - i32(p.pad);
    var v = 0.0;
    if (iy >= 0 && ix >= 0 && iy < i32(p.h) && ix < i32(p.w)) {
        v = x[((b * p.c + c) * p.h + u32(iy)) * p.w + u32(ix)];
    }
    col[ckk * p.batch * plane + b * plane + q] = v;
}
