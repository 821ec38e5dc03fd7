// matmul_direct.wgsl's product with an 8x8 block of C per invocation, for software adapters
// with big enough products:
//   C[z](m, n) = act( sum_k A[z](m, k) * B[z](k, n) + bias )
// Same strides, bindings and uniform as matmul.wgsl. On SwiftShader every storage load with a
// computed index is a per-lane gather, so the cost of a k step is its loads, not its FMAs: an 8x8
// block makes 16 loads feed 64 FMAs (4x4: 8 feed 16), and walking k two at a time halves the loop
// overhead of SwiftShader's masked control flow. Measured in headless Chromium on the CNN's conv2
// shape (7744x288x64): 0.9 -> 2.0 GFLOP/s against the 4x4 direct kernel.
// Layout:   a 64x64 output tile per workgroup of 8x8 invocations; rows and columns past the edge
//           read the last valid one (no per-load branch) and are never stored.
// Dispatch: (ceil(N / 64), ceil(M / 64), batches).

struct Params {
    m: u32, n: u32, k: u32,
    sam: u32, sak: u32,
    sbk: u32, sbn: u32,
    scm: u32, scn: u32,
    za: u32, zb: u32, zc: u32,
    bias_mode: u32,
    act: u32,
    k_total: u32,
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn activate(v: f32) -> f32 {
    switch p.act {
        case 1u: { return max(v, 0.0); }
        case 2u: { return 1.0 / (1.0 + exp(-v)); }
        case 3u: { return tanh(v); }
        default: { return v; }
    }
}

fn store(z: u32, m: u32, n: u32, v: f32) {
    if (n < p.n) {
        var x = v;
        if (p.bias_mode == 1u) {
            x += bias[n];
        } else if (p.bias_mode == 2u) {
            x += bias[m];
        }
        c[p.zc * z + m * p.scm + n * p.scn] = activate(x);
    }
}

fn store_row(z: u32, m: u32, n: u32, lo: vec4<f32>, hi: vec4<f32>) {
    if (m < p.m) {
        store(z, m, n, lo.x);
        store(z, m, n + 1u, lo.y);
        store(z, m, n + 2u, lo.z);
        store(z, m, n + 3u, lo.w);
        store(z, m, n + 4u, hi.x);
        store(z, m, n + 5u, hi.y);
        store(z, m, n + 6u, hi.z);
        store(z, m, n + 7u, hi.w);
    }
}

@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let z = wid.z;
    let mb = wid.y * 64u + lid.y * 8u;
    let nb = wid.x * 64u + lid.x * 8u;
    var k_end = p.k;
    if (p.k_total != 0u) {
        k_end = min(p.k, p.k_total - min(p.k_total, z * p.k));
    }
    let a0 = p.za * z + min(mb + 0u, p.m - 1u) * p.sam;
    let a1 = p.za * z + min(mb + 1u, p.m - 1u) * p.sam;
    let a2 = p.za * z + min(mb + 2u, p.m - 1u) * p.sam;
    let a3 = p.za * z + min(mb + 3u, p.m - 1u) * p.sam;
    let a4 = p.za * z + min(mb + 4u, p.m - 1u) * p.sam;
    let a5 = p.za * z + min(mb + 5u, p.m - 1u) * p.sam;
    let a6 = p.za * z + min(mb + 6u, p.m - 1u) * p.sam;
    let a7 = p.za * z + min(mb + 7u, p.m - 1u) * p.sam;
    let b0 = p.zb * z + min(nb + 0u, p.n - 1u) * p.sbn;
    let b1 = p.zb * z + min(nb + 1u, p.n - 1u) * p.sbn;
    let b2 = p.zb * z + min(nb + 2u, p.n - 1u) * p.sbn;
    let b3 = p.zb * z + min(nb + 3u, p.n - 1u) * p.sbn;
    let b4 = p.zb * z + min(nb + 4u, p.n - 1u) * p.sbn;
    let b5 = p.zb * z + min(nb + 5u, p.n - 1u) * p.sbn;
    let b6 = p.zb * z + min(nb + 6u, p.n - 1u) * p.sbn;
    let b7 = p.zb * z + min(nb + 7u, p.n - 1u) * p.sbn;
    var s0_0 = 0.0;
    var s0_1 = 0.0;
    var s0_2 = 0.0;
    var s0_3 = 0.0;
    var s0_4 = 0.0;
    var s0_5 = 0.0;
    var s0_6 = 0.0;
    var s0_7 = 0.0;
    var s1_0 = 0.0;
    var s1_1 = 0.0;
    var s1_2 = 0.0;
    var s1_3 = 0.0;
    var s1_4 = 0.0;
    var s1_5 = 0.0;
    var s1_6 = 0.0;
    var s1_7 = 0.0;
    var s2_0 = 0.0;
    var s2_1 = 0.0;
    var s2_2 = 0.0;
    var s2_3 = 0.0;
    var s2_4 = 0.0;
    var s2_5 = 0.0;
    var s2_6 = 0.0;
    var s2_7 = 0.0;
    var s3_0 = 0.0;
    var s3_1 = 0.0;
    var s3_2 = 0.0;
    var s3_3 = 0.0;
    var s3_4 = 0.0;
    var s3_5 = 0.0;
    var s3_6 = 0.0;
    var s3_7 = 0.0;
    var s4_0 = 0.0;
    var s4_1 = 0.0;
    var s4_2 = 0.0;
    var s4_3 = 0.0;
    var s4_4 = 0.0;
    var s4_5 = 0.0;
    var s4_6 = 0.0;
    var s4_7 = 0.0;
    var s5_0 = 0.0;
    var s5_1 = 0.0;
    var s5_2 = 0.0;
    var s5_3 = 0.0;
    var s5_4 = 0.0;
    var s5_5 = 0.0;
    var s5_6 = 0.0;
    var s5_7 = 0.0;
    var s6_0 = 0.0;
    var s6_1 = 0.0;
    var s6_2 = 0.0;
    var s6_3 = 0.0;
    var s6_4 = 0.0;
    var s6_5 = 0.0;
    var s6_6 = 0.0;
    var s6_7 = 0.0;
    var s7_0 = 0.0;
    var s7_1 = 0.0;
    var s7_2 = 0.0;
    var s7_3 = 0.0;
    var s7_4 = 0.0;
    var s7_5 = 0.0;
    var s7_6 = 0.0;
    var s7_7 = 0.0;
    // Two k per iteration, then the odd one.
    var ka = 0u;
    var kb = 0u;
    var k = 0u;
    for (; k + 1u < k_end; k += 2u) {
        {
            let y0 = b[b0 + kb];
            let y1 = b[b1 + kb];
            let y2 = b[b2 + kb];
            let y3 = b[b3 + kb];
            let y4 = b[b4 + kb];
            let y5 = b[b5 + kb];
            let y6 = b[b6 + kb];
            let y7 = b[b7 + kb];
            let x0 = a[a0 + ka];
            let x1 = a[a1 + ka];
            let x2 = a[a2 + ka];
            let x3 = a[a3 + ka];
            let x4 = a[a4 + ka];
            let x5 = a[a5 + ka];
            let x6 = a[a6 + ka];
            let x7 = a[a7 + ka];
            s0_0 = fma(x0, y0, s0_0);
            s0_1 = fma(x0, y1, s0_1);
            s0_2 = fma(x0, y2, s0_2);
            s0_3 = fma(x0, y3, s0_3);
            s0_4 = fma(x0, y4, s0_4);
            s0_5 = fma(x0, y5, s0_5);
            s0_6 = fma(x0, y6, s0_6);
            s0_7 = fma(x0, y7, s0_7);
            s1_0 = fma(x1, y0, s1_0);
            s1_1 = fma(x1, y1, s1_1);
            s1_2 = fma(x1, y2, s1_2);
            s1_3 = fma(x1, y3, s1_3);
            s1_4 = fma(x1, y4, s1_4);
            s1_5 = fma(x1, y5, s1_5);
            s1_6 = fma(x1, y6, s1_6);
            s1_7 = fma(x1, y7, s1_7);
            s2_0 = fma(x2, y0, s2_0);
            s2_1 = fma(x2, y1, s2_1);
            s2_2 = fma(x2, y2, s2_2);
            s2_3 = fma(x2, y3, s2_3);
            s2_4 = fma(x2, y4, s2_4);
            s2_5 = fma(x2, y5, s2_5);
            s2_6 = fma(x2, y6, s2_6);
            s2_7 = fma(x2, y7, s2_7);
            s3_0 = fma(x3, y0, s3_0);
            s3_1 = fma(x3, y1, s3_1);
            s3_2 = fma(x3, y2, s3_2);
            s3_3 = fma(x3, y3, s3_3);
            s3_4 = fma(x3, y4, s3_4);
            s3_5 = fma(x3, y5, s3_5);
            s3_6 = fma(x3, y6, s3_6);
            s3_7 = fma(x3, y7, s3_7);
            s4_0 = fma(x4, y0, s4_0);
            s4_1 = fma(x4, y1, s4_1);
            s4_2 = fma(x4, y2, s4_2);
            s4_3 = fma(x4, y3, s4_3);
            s4_4 = fma(x4, y4, s4_4);
            s4_5 = fma(x4, y5, s4_5);
            s4_6 = fma(x4, y6, s4_6);
            s4_7 = fma(x4, y7, s4_7);
            s5_0 = fma(x5, y0, s5_0);
            s5_1 = fma(x5, y1, s5_1);
            s5_2 = fma(x5, y2, s5_2);
            s5_3 = fma(x5, y3, s5_3);
            s5_4 = fma(x5, y4, s5_4);
            s5_5 = fma(x5, y5, s5_5);
            s5_6 = fma(x5, y6, s5_6);
            s5_7 = fma(x5, y7, s5_7);
            s6_0 = fma(x6, y0, s6_0);
            s6_1 = fma(x6, y1, s6_1);
            s6_2 = fma(x6, y2, s6_2);
            s6_3 = fma(x6, y3, s6_3);
            s6_4 = fma(x6, y4, s6_4);
            s6_5 = fma(x6, y5, s6_5);
            s6_6 = fma(x6, y6, s6_6);
            s6_7 = fma(x6, y7, s6_7);
            s7_0 = fma(x7, y0, s7_0);
            s7_1 = fma(x7, y1, s7_1);
            s7_2 = fma(x7, y2, s7_2);
            s7_3 = fma(x7, y3, s7_3);
            s7_4 = fma(x7, y4, s7_4);
            s7_5 = fma(x7, y5, s7_5);
            s7_6 = fma(x7, y6, s7_6);
            s7_7 = fma(x7, y7, s7_7);
        }
        {
            let ka1 = ka + p.sak;
            let kb1 = kb + p.sbk;
            let y0 = b[b0 + kb1];
            let y1 = b[b1 + kb1];
            let y2 = b[b2 + kb1];
            let y3 = b[b3 + kb1];
            let y4 = b[b4 + kb1];
            let y5 = b[b5 + kb1];
            let y6 = b[b6 + kb1];
            let y7 = b[b7 + kb1];
            let x0 = a[a0 + ka1];
            let x1 = a[a1 + ka1];
            let x2 = a[a2 + ka1];
            let x3 = a[a3 + ka1];
            let x4 = a[a4 + ka1];
            let x5 = a[a5 + ka1];
            let x6 = a[a6 + ka1];
            let x7 = a[a7 + ka1];
            s0_0 = fma(x0, y0, s0_0);
            s0_1 = fma(x0, y1, s0_1);
            s0_2 = fma(x0, y2, s0_2);
            s0_3 = fma(x0, y3, s0_3);
            s0_4 = fma(x0, y4, s0_4);
            s0_5 = fma(x0, y5, s0_5);
            s0_6 = fma(x0, y6, s0_6);
            s0_7 = fma(x0, y7, s0_7);
            s1_0 = fma(x1, y0, s1_0);
            s1_1 = fma(x1, y1, s1_1);
            s1_2 = fma(x1, y2, s1_2);
            s1_3 = fma(x1, y3, s1_3);
            s1_4 = fma(x1, y4, s1_4);
            s1_5 = fma(x1, y5, s1_5);
            s1_6 = fma(x1, y6, s1_6);
            s1_7 = fma(x1, y7, s1_7);
            s2_0 = fma(x2, y0, s2_0);
            s2_1 = fma(x2, y1, s2_1);
            s2_2 = fma(x2, y2, s2_2);
            s2_3 = fma(x2, y3, s2_3);
            s2_4 = fma(x2, y4, s2_4);
            s2_5 = fma(x2, y5, s2_5);
            s2_6 = fma(x2, y6, s2_6);
            s2_7 = fma(x2, y7, s2_7);
            s3_0 = fma(x3, y0, s3_0);
            s3_1 = fma(x3, y1, s3_1);
            s3_2 = fma(x3, y2, s3_2);
            s3_3 = fma(x3, y3, s3_3);
            s3_4 = fma(x3, y4, s3_4);
            s3_5 = fma(x3, y5, s3_5);
            s3_6 = fma(x3, y6, s3_6);
            s3_7 = fma(x3, y7, s3_7);
            s4_0 = fma(x4, y0, s4_0);
            s4_1 = fma(x4, y1, s4_1);
            s4_2 = fma(x4, y2, s4_2);
            s4_3 = fma(x4, y3, s4_3);
            s4_4 = fma(x4, y4, s4_4);
            s4_5 = fma(x4, y5, s4_5);
            s4_6 = fma(x4, y6, s4_6);
            s4_7 = fma(x4, y7, s4_7);
            s5_0 = fma(x5, y0, s5_0);
            s5_1 = fma(x5, y1, s5_1);
            s5_2 = fma(x5, y2, s5_2);
            s5_3 = fma(x5, y3, s5_3);
            s5_4 = fma(x5, y4, s5_4);
            s5_5 = fma(x5, y5, s5_5);
            s5_6 = fma(x5, y6, s5_6);
            s5_7 = fma(x5, y7, s5_7);
            s6_0 = fma(x6, y0, s6_0);
            s6_1 = fma(x6, y1, s6_1);
            s6_2 = fma(x6, y2, s6_2);
            s6_3 = fma(x6, y3, s6_3);
            s6_4 = fma(x6, y4, s6_4);
            s6_5 = fma(x6, y5, s6_5);
            s6_6 = fma(x6, y6, s6_6);
            s6_7 = fma(x6, y7, s6_7);
            s7_0 = fma(x7, y0, s7_0);
            s7_1 = fma(x7, y1, s7_1);
            s7_2 = fma(x7, y2, s7_2);
            s7_3 = fma(x7, y3, s7_3);
            s7_4 = fma(x7, y4, s7_4);
            s7_5 = fma(x7, y5, s7_5);
            s7_6 = fma(x7, y6, s7_6);
            s7_7 = fma(x7, y7, s7_7);
        }
        ka += 2u * p.sak;
        kb += 2u * p.sbk;
    }
    if (k < k_end) {
        let y0 = b[b0 + kb];
        let y1 = b[b1 + kb];
        let y2 = b[b2 + kb];
        let y3 = b[b3 + kb];
        let y4 = b[b4 + kb];
        let y5 = b[b5 + kb];
        let y6 = b[b6 + kb];
        let y7 = b[b7 + kb];
        let x0 = a[a0 + ka];
        let x1 = a[a1 + ka];
        let x2 = a[a2 + ka];
        let x3 = a[a3 + ka];
        let x4 = a[a4 + ka];
        let x5 = a[a5 + ka];
        let x6 = a[a6 + ka];
        let x7 = a[a7 + ka];
        s0_0 = fma(x0, y0, s0_0);
        s0_1 = fma(x0, y1, s0_1);
        s0_2 = fma(x0, y2, s0_2);
        s0_3 = fma(x0, y3, s0_3);
        s0_4 = fma(x0, y4, s0_4);
        s0_5 = fma(x0, y5, s0_5);
        s0_6 = fma(x0, y6, s0_6);
        s0_7 = fma(x0, y7, s0_7);
        s1_0 = fma(x1, y0, s1_0);
        s1_1 = fma(x1, y1, s1_1);
        s1_2 = fma(x1, y2, s1_2);
        s1_3 = fma(x1, y3, s1_3);
        s1_4 = fma(x1, y4, s1_4);
        s1_5 = fma(x1, y5, s1_5);
        s1_6 = fma(x1, y6, s1_6);
        s1_7 = fma(x1, y7, s1_7);
        s2_0 = fma(x2, y0, s2_0);
        s2_1 = fma(x2, y1, s2_1);
        s2_2 = fma(x2, y2, s2_2);
        s2_3 = fma(x2, y3, s2_3);
        s2_4 = fma(x2, y4, s2_4);
        s2_5 = fma(x2, y5, s2_5);
        s2_6 = fma(x2, y6, s2_6);
        s2_7 = fma(x2, y7, s2_7);
        s3_0 = fma(x3, y0, s3_0);
        s3_1 = fma(x3, y1, s3_1);
        s3_2 = fma(x3, y2, s3_2);
        s3_3 = fma(x3, y3, s3_3);
        s3_4 = fma(x3, y4, s3_4);
        s3_5 = fma(x3, y5, s3_5);
        s3_6 = fma(x3, y6, s3_6);
        s3_7 = fma(x3, y7, s3_7);
        s4_0 = fma(x4, y0, s4_0);
        s4_1 = fma(x4, y1, s4_1);
        s4_2 = fma(x4, y2, s4_2);
        s4_3 = fma(x4, y3, s4_3);
        s4_4 = fma(x4, y4, s4_4);
        s4_5 = fma(x4, y5, s4_5);
        s4_6 = fma(x4, y6, s4_6);
        s4_7 = fma(x4, y7, s4_7);
        s5_0 = fma(x5, y0, s5_0);
        s5_1 = fma(x5, y1, s5_1);
        s5_2 = fma(x5, y2, s5_2);
        s5_3 = fma(x5, y3, s5_3);
        s5_4 = fma(x5, y4, s5_4);
        s5_5 = fma(x5, y5, s5_5);
        s5_6 = fma(x5, y6, s5_6);
        s5_7 = fma(x5, y7, s5_7);
        s6_0 = fma(x6, y0, s6_0);
        s6_1 = fma(x6, y1, s6_1);
        s6_2 = fma(x6, y2, s6_2);
        s6_3 = fma(x6, y3, s6_3);
        s6_4 = fma(x6, y4, s6_4);
        s6_5 = fma(x6, y5, s6_5);
        s6_6 = fma(x6, y6, s6_6);
        s6_7 = fma(x6, y7, s6_7);
        s7_0 = fma(x7, y0, s7_0);
        s7_1 = fma(x7, y1, s7_1);
        s7_2 = fma(x7, y2, s7_2);
        s7_3 = fma(x7, y3, s7_3);
        s7_4 = fma(x7, y4, s7_4);
        s7_5 = fma(x7, y5, s7_5);
        s7_6 = fma(x7, y6, s7_6);
        s7_7 = fma(x7, y7, s7_7);
    }
    store_row(z, mb + 0u, nb, vec4<f32>(s0_0, s0_1, s0_2, s0_3), vec4<f32>(s0_4, s0_5, s0_6, s0_7));
    store_row(z, mb + 1u, nb, vec4<f32>(s1_0, s1_1, s1_2, s1_3), vec4<f32>(s1_4, s1_5, s1_6, s1_7));
    store_row(z, mb + 2u, nb, vec4<f32>(s2_0, s2_1, s2_2, s2_3), vec4<f32>(s2_4, s2_5, s2_6, s2_7));
    store_row(z, mb + 3u, nb, vec4<f32>(s3_0, s3_1, s3_2, s3_3), vec4<f32>(s3_4, s3_5, s3_6, s3_7));
    store_row(z, mb + 4u, nb, vec4<f32>(s4_0, s4_1, s4_2, s4_3), vec4<f32>(s4_4, s4_5, s4_6, s4_7));
    store_row(z, mb + 5u, nb, vec4<f32>(s5_0, s5_1, s5_2, s5_3), vec4<f32>(s5_4, s5_5, s5_6, s5_7));
    store_row(z, mb + 6u, nb, vec4<f32>(s6_0, s6_1, s6_2, s6_3), vec4<f32>(s6_4, s6_5, s6_6, s6_7));
    store_row(z, mb + 7u, nb, vec4<f32>(s7_0, s7_1, s7_2, s7_3), vec4<f32>(s7_4, s7_5, s7_6, s7_7));
}
