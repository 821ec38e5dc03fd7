// matmul.wgsl's product without workgroup memory or barriers, for software adapters
// (SwiftShader, lavapipe) where a workgroup barrier is a coroutine switch on a CPU thread and
// K-slices padded to 16 waste most of a thin product (a 3x3 conv has K = 9):
//   C[z](m, n) = act( sum_k A[z](m, k) * B[z](k, n) + bias )
// Interface in matmul_common.wgsl (prepended); dispatch grid as matmul.wgsl's 32x32-tile
// variant: a 32x32 output tile per workgroup of 8x8 invocations, each owning a 4x4 block in
// registers and reading its 4 A values and 4 B values per k straight from storage.
// src/gpu/kernels.rs also builds a WX = 4 variant (32x16 tiles) for products at most 16 wide,
// where a 32-wide tile would mostly compute padding (a 3x3 conv over one channel has n = 9).
// Dispatch: (ceil(N / (4*WX)), ceil(M / 32), batches).

// Invocations across a tile's columns (each covers 4). The variant builder rewrites this line.
const WX: u32 = 8u;

@compute @workgroup_size(WX, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let z = wid.z;
    let mb = wid.y * 32u + lid.y * 4u;
    let nb = wid.x * (4u * WX) + lid.x * 4u;
    var k_end = p.k;
    if (p.k_total != 0u) {
        k_end = min(p.k, p.k_total - min(p.k_total, z * p.k));
    }
    // Rows / columns past the edge read the last valid one (always in bounds, no per-load
    // branch); their results are never stored.
    let a0 = p.za * z + min(mb, p.m - 1u) * p.sam;
    let a1 = p.za * z + min(mb + 1u, p.m - 1u) * p.sam;
    let a2 = p.za * z + min(mb + 2u, p.m - 1u) * p.sam;
    let a3 = p.za * z + min(mb + 3u, p.m - 1u) * p.sam;
    let b0 = p.zb * z + min(nb, p.n - 1u) * p.sbn;
    let b1 = p.zb * z + min(nb + 1u, p.n - 1u) * p.sbn;
    let b2 = p.zb * z + min(nb + 2u, p.n - 1u) * p.sbn;
    let b3 = p.zb * z + min(nb + 3u, p.n - 1u) * p.sbn;

    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    var ka = 0u;
    var kb = 0u;
    for (var k = 0u; k < k_end; k++) {
        let av = vec4<f32>(a[a0 + ka], a[a1 + ka], a[a2 + ka], a[a3 + ka]);
        let bv = vec4<f32>(b[b0 + kb], b[b1 + kb], b[b2 + kb], b[b3 + kb]);
        acc0 += av.x * bv;
        acc1 += av.y * bv;
        acc2 += av.z * bv;
        acc3 += av.w * bv;
        ka += p.sak;
        kb += p.sbk;
    }
    store_row(z, mb, nb, acc0);
    store_row(z, mb + 1u, nb, acc1);
    store_row(z, mb + 2u, nb, acc2);
    store_row(z, mb + 3u, nb, acc3);
}
