//! The portable micro-kernel: plain Rust, for targets without a SIMD kernel of their own (and
//! for native tests of the shared driver).
use super::MicroKernel;

/// Plain Rust 4x8 kernel; LLVM vectorizes the `j` loop with the target's baseline SIMD.
pub struct Portable;

impl MicroKernel for Portable {
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
        const MR: usize = Portable::MR;
        const NR: usize = Portable::NR;
        // SAFETY: the caller guarantees kc*MR and kc*NR readable values.
        let (a, b) = unsafe {
            (
                std::slice::from_raw_parts(a, kc * MR),
                std::slice::from_raw_parts(b, kc * NR),
            )
        };
        let mut acc = [[0.0f32; NR]; MR];
        for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
            for i in 0..MR {
                for j in 0..NR {
                    acc[i][j] += ap[i] * bp[j];
                }
            }
        }
        for (i, row) in acc.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                // SAFETY: (i, j) lies in the MR x NR tile the caller vouches for.
                unsafe {
                    let dst = c.add(i * ldc + j);
                    *dst = if accumulate { *dst + v } else { *v };
                }
            }
        }
    }
}
