//! The wasm micro-kernel, in two builds of the same source: plain simd128 (`f32x4.mul` then
//! `f32x4.add`) and, where the crate is compiled with `+relaxed-simd` (`www/pkg-relaxed/`, picked
//! by the page when the browser validates a relaxed-simd module), `f32x4.relaxed_madd`, which V8
//! lowers to one fused multiply-add (`vfmadd231ps`) on x86 with FMA3 and `fmla` on ARM64, and to
//! mul + add elsewhere. The fused form rounds once instead of twice, so the two builds agree to
//! float rounding, not bit for bit. Measured (`WASM_BUILD=relaxed-simd scripts/bench_wasm.sh
//! wasm_gemm_bench`, Chromium 156, a shared 2-core AMD EPYC under load): the fused kernel beat
//! the unfused one on all eight bench shapes, 1.03-1.67x, though the FMA register peak was only
//! ~1.1-1.2x the mul+add one there (Zen has separate add and mul pipes); a 6x8 fused tile
//! measured no better than 4x8 within the noise.
use super::MicroKernel;
use core::arch::wasm32::*;

/// `acc + a * b`: one fused `f32x4.relaxed_madd` when `FUSED` and the build has relaxed SIMD,
/// else `f32x4.mul` then `f32x4.add`.
#[inline(always)]
pub(crate) fn madd<const FUSED: bool>(a: v128, b: v128, acc: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    if FUSED {
        return f32x4_relaxed_madd(a, b, acc);
    }
    f32x4_add(acc, f32x4_mul(a, b))
}

/// The kernel `sgemm` runs: fused wherever the build allows it.
pub type Dispatched = Simd128<{ cfg!(target_feature = "relaxed-simd") }>;

/// The dispatched kernel's name in benchmark reports.
pub const NAME: &str = if cfg!(target_feature = "relaxed-simd") {
    "wasm-relaxed-simd-4x8"
} else {
    "wasm-simd128-4x8"
};

/// 4x8 tile = 8 f32x4 accumulators, A splatted with `v128.load32_splat` (a plain
/// broadcast load on x86, no shuffle port). Why not matrixmultiply's 8x8 or a 6x8: V8 on
/// x86-64 has 16 xmm registers, and LLVM schedules all MR splats of a step before the FMAs,
/// so 8x8 (16 accumulators) and 6x8 (12 + 2 B + 6 splats) spill every step. Measured in
/// node 20 (V8 11.3, same driver, interleaved runs) the 4x8 beat 6x8 by 10-40% and 8x8 by
/// 25-55% on the dense and im2col shapes; only the k = 9 per-image conv1 shape was a tie.
/// Unrolling the k loop by 2 measured no better. `FUSED`: see [`madd`]; the relaxed build also
/// has the unfused kernel, so one benchmark run compares both.
pub struct Simd128<const FUSED: bool>;

impl<const FUSED: bool> MicroKernel for Simd128<FUSED> {
    const MR: usize = 4;
    const NR: usize = 8;
    const MC: usize = 96;
    const KC: usize = 256;
    const NC: usize = 2048;

    unsafe fn tile(
        kc: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        accumulate: bool,
    ) {
        const MR: usize = 4;
        let mut lo = [f32x4_splat(0.0); MR];
        let mut hi = [f32x4_splat(0.0); MR];
        for p in 0..kc {
            // SAFETY (whole block): the caller guarantees kc*MR values at a, kc*NR at b,
            // and an MR x NR tile at c with row stride ldc; v128 loads need no alignment.
            unsafe {
                let b0 = v128_load(b.add(p * 8) as *const v128);
                let b1 = v128_load(b.add(p * 8 + 4) as *const v128);
                for i in 0..MR {
                    let ai = v128_load32_splat(a.add(p * MR + i) as *const u32);
                    lo[i] = madd::<FUSED>(ai, b0, lo[i]);
                    hi[i] = madd::<FUSED>(ai, b1, hi[i]);
                }
            }
        }
        for i in 0..MR {
            unsafe {
                let c0 = c.add(i * ldc) as *mut v128;
                let c1 = c.add(i * ldc + 4) as *mut v128;
                if accumulate {
                    lo[i] = f32x4_add(lo[i], v128_load(c0));
                    hi[i] = f32x4_add(hi[i], v128_load(c1));
                }
                v128_store(c0, lo[i]);
                v128_store(c1, hi[i]);
            }
        }
    }
}
