//! The x86-64 micro-kernel: AVX2 + FMA, chosen at run time.
use super::MicroKernel;
use std::arch::x86_64::*;

/// 6x16 tile = 12 ymm accumulators (the classic Haswell shape: enough independent FMAs to
/// cover their latency on two ports), chosen at run time where the CPU has AVX2 and FMA.
pub struct Avx2Fma;

impl Avx2Fma {
    pub fn available() -> bool {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }
}

impl MicroKernel for Avx2Fma {
    const MR: usize = 6;
    const NR: usize = 16;
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
        // SAFETY: only chosen after `available()`; pointer contract forwarded.
        unsafe { tile_avx2(kc, a, b, c, ldc, accumulate) }
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2(
    kc: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
    accumulate: bool,
) {
    const MR: usize = 6;
    let mut lo = [_mm256_setzero_ps(); MR];
    let mut hi = [_mm256_setzero_ps(); MR];
    for p in 0..kc {
        // SAFETY (whole block): see MicroKernel::tile; loads and stores are unaligned.
        unsafe {
            let b0 = _mm256_loadu_ps(b.add(p * 16));
            let b1 = _mm256_loadu_ps(b.add(p * 16 + 8));
            for i in 0..MR {
                let ai = _mm256_broadcast_ss(&*a.add(p * MR + i));
                lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
                hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
            }
        }
    }
    for i in 0..MR {
        unsafe {
            let c0 = c.add(i * ldc);
            let c1 = c.add(i * ldc + 8);
            if accumulate {
                lo[i] = _mm256_add_ps(lo[i], _mm256_loadu_ps(c0));
                hi[i] = _mm256_add_ps(hi[i], _mm256_loadu_ps(c1));
            }
            _mm256_storeu_ps(c0, lo[i]);
            _mm256_storeu_ps(c1, hi[i]);
        }
    }
}
