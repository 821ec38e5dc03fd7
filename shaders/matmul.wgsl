// Batched, strided matmul with fused bias and activation (the product, strides, bindings and
// uniform are matmul_common.wgsl's, prepended by src/gpu/kernels.rs). Strides make one kernel
// serve every product the layers need (dense forward X W^T, dX = dY W, dW = dY^T X, and the
// per-sample products of im2col convolution) without transposing copies.
//
// Layout:   a (4*TQ)x(4*TQ) output tile per workgroup of TQxTQ invocations; each invocation owns a
//           4x4 block of C held in registers (4 vec4 accumulators). K is walked in slices of 16
//           staged in workgroup memory as vec4 columns, so the inner loop is 2 vec4 loads + 4 vec4
//           FMAs. TQ = 16 (64x64 tiles) here; src/gpu/kernels.rs also builds a TQ = 8 variant
//           (32x32 tiles) for thin products, where a 64-wide tile would mostly compute padding.
// Dispatch: (ceil(N / (4*TQ)), ceil(M / (4*TQ)), batches).

// Invocations per tile edge (each covers 4 rows/columns). The variant builder rewrites this line.
const TQ: u32 = 16u;
const TILE: u32 = 4u * TQ;
// Each invocation stages 16 / TQ vec4s of each operand per K slice.
const LOADS: u32 = 16u / TQ;

// tile_a[kk * TQ + i] holds rows 4i..4i+3 of the tile at k-offset kk; tile_b likewise for columns.
var<workgroup> tile_a: array<vec4<f32>, 16u * TQ>;
var<workgroup> tile_b: array<vec4<f32>, 16u * TQ>;

fn load_a(z: u32, m: u32, k: u32, k_end: u32) -> f32 {
    if (m < p.m && k < k_end) {
        return a[p.za * z + m * p.sam + k * p.sak];
    }
    return 0.0;
}

fn load_b(z: u32, k: u32, n: u32, k_end: u32) -> f32 {
    if (k < k_end && n < p.n) {
        return b[p.zb * z + k * p.sbk + n * p.sbn];
    }
    return 0.0;
}

@compute @workgroup_size(TQ, TQ)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let z = wid.z;
    let m0 = wid.y * TILE;
    let n0 = wid.x * TILE;
    let tid = lid.y * TQ + lid.x;

    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);

    var k_end = p.k;
    if (p.k_total != 0u) {
        k_end = min(p.k, p.k_total - min(p.k_total, z * p.k));
    }
    for (var k0 = 0u; k0 < k_end; k0 += 16u) {
        for (var r = 0u; r < LOADS; r++) {
            // Loader coordinates: A by (k-offset, row quad), B by (k-offset, column quad).
            let e = tid + r * TQ * TQ;
            let a_kk = e % 16u;
            let ka = k0 + a_kk;
            let ma = m0 + (e / 16u) * 4u;
            tile_a[a_kk * TQ + e / 16u] = vec4<f32>(
                load_a(z, ma, ka, k_end), load_a(z, ma + 1u, ka, k_end),
                load_a(z, ma + 2u, ka, k_end), load_a(z, ma + 3u, ka, k_end));
            let b_kk = e / TQ;
            let kb = k0 + b_kk;
            let nb = n0 + (e % TQ) * 4u;
            tile_b[b_kk * TQ + e % TQ] = vec4<f32>(
                load_b(z, kb, nb, k_end), load_b(z, kb, nb + 1u, k_end),
                load_b(z, kb, nb + 2u, k_end), load_b(z, kb, nb + 3u, k_end));
        }
        workgroupBarrier();
        for (var kk = 0u; kk < 16u; kk++) {
            let av = tile_a[kk * TQ + lid.y];
            let bv = tile_b[kk * TQ + lid.x];
            acc0 += av.x * bv;
            acc1 += av.y * bv;
            acc2 += av.z * bv;
            acc3 += av.w * bv;
        }
        workgroupBarrier();
    }

    // Epilogue fully unrolled with static indices: dynamic vector indexing and per-element
    // branching cost more than the 16 stores on software adapters.
    let mb = m0 + lid.y * 4u;
    let nb = n0 + lid.x * 4u;
    store_row(z, mb, nb, acc0);
    store_row(z, mb + 1u, nb, acc1);
    store_row(z, mb + 2u, nb, acc2);
    store_row(z, mb + 3u, nb, acc3);
}
