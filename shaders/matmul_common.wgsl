// The interface every matmul kernel shares (matmul.wgsl, matmul_direct.wgsl,
// matmul_direct_wide.wgsl; src/gpu/kernels.rs prepends this file to each): for every batch z,
//   C[z](m, n) = act( sum_k A[z](m, k) * B[z](k, n) + bias )
// with element addresses  A: za*z + m*sam + k*sak,  B: zb*z + k*sbk + n*sbn,  C: zc*z + m*scm + n*scn.
// Bindings: 0 a (read), 1 b (read), 2 bias (read; ignored when bias_mode == 0), 3 c (write),
//           4 params uniform (below).

struct Params {
    m: u32, n: u32, k: u32,
    sam: u32, sak: u32,
    sbk: u32, sbn: u32,
    scm: u32, scn: u32,
    za: u32, zb: u32, zc: u32,
    // 0 none, 1 bias[n], 2 bias[m].
    bias_mode: u32,
    // 0 none, 1 relu, 2 sigmoid, 3 tanh.
    act: u32,
    // Split-K: when nonzero, batch z covers k in [z*k, z*k + k) of a K = k_total product (the
    // host sets za = k*sak, zb = k*sbk), each split writing its own partial C; split_k_sum.wgsl
    // adds them up. Spreads long, thin products (weight gradients) over many workgroups.
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

// The epilogue of one element of C: bias, activation, store (columns past the edge are skipped;
// callers skip rows past it).
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

// Row m of an invocation's block: columns n..n+3.
fn store_row(z: u32, m: u32, n: u32, v: vec4<f32>) {
    if (m < p.m) {
        store(z, m, n, v.x);
        store(z, m, n + 1u, v.y);
        store(z, m, n + 2u, v.z);
        store(z, m, n + 3u, v.w);
    }
}

