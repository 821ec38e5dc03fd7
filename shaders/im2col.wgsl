// Unfold conv2d input patches: col[ckk, b*P + p] = x[b, c, oy+ky-pad, ox+kx-pad] (0 outside),
// with ckk = (c*k + ky)*k + kx, p = oy*ow + ox, P = oh*ow. Rows of `col` run over the whole batch
// so the weight gradient is one matmul with K = batch*P (see src/gpu/net.rs).
// Bindings: 0 x [batch, c, h, w] (read), 1 col [c*k*k, batch*P] (write), 2 params.
// Dispatch: (ceil(batch*P / 256), c*k*k, 1): x runs along a row of `col`, y picks the row, so the
//           row's (c, ky, kx) is uniform per workgroup and only the pixel needs dividing out.

struct Params { batch: u32, c: u32, h: u32, w: u32, k: u32, pad: u32, oh: u32, ow: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> col: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let plane = p.oh * p.ow;
    let bp = p.batch * plane;
    let r = gid.x;
    let ckk = gid.y;
    if (r >= bp) {
        return;
    }
    let b = r / plane;
    let q = r % plane;
    let c = ckk / (p.k * p.k);
    let ky = (ckk / p.k) % p.k;
    let kx = ckk % p.k;
    let iy = i32(q / p.ow + ky) - i32(p.pad);
    let ix = i32(q % p.ow + kx) - i32(p.pad);
    var v = 0.0;
    if (iy >= 0 && ix >= 0 && iy < i32(p.h) && ix < i32(p.w)) {
        v = x[((b * p.c + c) * p.h + u32(iy)) * p.w + u32(ix)];
    }
    col[ckk * bp + r] = v;
}
