//! Single-threaded f32 matrix multiply for the CPU backend (dense layers, im2col convolutions).
//!
//! `C[m, n] (+)= op(A)[m, k] . op(B)[k, n]`, every matrix row-major and contiguous, where
//! `op(A) = A` (stored `[m, k]`) or `A^T` (stored `[k, m]`), likewise for B. The three products
//! of a dense layer (`x [batch, in]`, `w [out, in]`) are:
//!
//! | product | call |
//! | --- | --- |
//! | `y = x . w^T` | `sgemm(batch, in, out, x, false, w, true, y, false)` |
//! | `dx = dy . w` | `sgemm(batch, out, in, dy, false, w, false, dx, false)` |
//! | `dw = dy^T . x` | `sgemm(out, batch, in, dy, true, x, false, dw, false)` |
//!
//! and those of an im2col convolution per image (`w [filters, patch]`, `cols [patch, hw]`,
//! `y_b`/`dy_b [filters, hw]`, `patch = c_in*k*k`):
//!
//! | product | call |
//! | --- | --- |
//! | `y_b = w . cols + bias` | `sgemm_epilogue(filters, patch, hw, w, false, cols, false, y_b, false, Epilogue { bias: Bias::PerRow(bias), relu: false })` |
//! | `dw += dy_b . cols^T` | `sgemm(filters, hw, patch, dy_b, false, cols, true, dw, true)` |
//! | `dcols = w^T . dy_b` | `sgemm(patch, filters, hw, w, true, dy_b, false, dcols, false)` |
//!
//! Layout (the BLIS/GotoBLAS scheme): B is packed per `KC x NC` panel into `NR`-wide slivers,
//! A per `MC x KC` block into `MR`-tall slivers, both zero-padded to whole slivers so the
//! micro-kernel never branches on edges; the micro-kernel keeps an `MR x NR` tile of C in
//! registers for the whole `KC` loop. Only the micro-kernel differs per target (wasm simd128
//! or relaxed-simd FMA, x86_64 AVX2+FMA chosen at run time, portable Rust elsewhere); the
//! packing, blocking, edge tiles and the bias/ReLU epilogue are shared, so the native tests
//! exercise the same driver the browser runs. Packing buffers are thread-local and reused: no
//! allocation per call once they have grown to the largest shape seen.
//!
//! | file | job |
//! | --- | --- |
//! | `mod.rs` | the entry points, the kernel chosen per target, the [`MicroKernel`] contract |
//! | `driver.rs` | shape checks, cache blocking, edge tiles, the epilogue |
//! | `pack.rs` | A and B into the kernels' sliver layouts; the [`Operand`] a caller can pack from |
//! | `wasm.rs`, `x86.rs`, `portable.rs` | the micro-kernels |
mod driver;
mod pack;
mod portable;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm;
#[cfg(target_arch = "x86_64")]
mod x86;

use driver::{run, Problem};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use pack::{store_transposed_4x4, transpose_4x4};
pub use pack::{Dense, Operand};
use portable::Portable;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use wasm::madd;

/// A bias added to C after the product: one value per row of C (`[m]`, e.g. per filter of an
/// im2col convolution `w . cols`) or per column (`[n]`, e.g. per output of `x . w^T`).
#[derive(Clone, Copy, Debug, Default)]
pub enum Bias<'a> {
    #[default]
    None,
    PerRow(&'a [f32]),
    PerCol(&'a [f32]),
}

/// What happens to each element of C after the product, while its tile is still in L1:
/// `C = relu?(C + bias)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Epilogue<'a> {
    pub bias: Bias<'a>,
    pub relu: bool,
}

impl Epilogue<'_> {
    pub const NONE: Epilogue<'static> = Epilogue {
        bias: Bias::None,
        relu: false,
    };

    fn is_none(&self) -> bool {
        matches!(self.bias, Bias::None) && !self.relu
    }
}

/// `C[m, n] = op(A) . op(B)`, or `C += op(A) . op(B)` when `accumulate`. `a` is `[m, k]`
/// (`[k, m]` when `a_trans`), `b` is `[k, n]` (`[n, k]` when `b_trans`), `c` is `[m, n]`.
///
/// Panics if a slice length does not match its dims.
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_trans: bool,
    b: &[f32],
    b_trans: bool,
    c: &mut [f32],
    accumulate: bool,
) {
    sgemm_epilogue(
        m,
        k,
        n,
        a,
        a_trans,
        b,
        b_trans,
        c,
        accumulate,
        Epilogue::NONE,
    );
}

/// [`sgemm`] followed by `C = relu?(C + bias)` (see [`Epilogue`]); with `accumulate` the old C
/// is added before the bias: `C = relu?(C_old + op(A) . op(B) + bias)`.
#[allow(clippy::too_many_arguments)]
pub fn sgemm_epilogue(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_trans: bool,
    b: &[f32],
    b_trans: bool,
    c: &mut [f32],
    accumulate: bool,
    epilogue: Epilogue,
) {
    dispatch(Problem::new(
        m, k, n, a, a_trans, b, b_trans, c, accumulate, epilogue,
    ));
}

/// [`sgemm_epilogue`] on operands that pack themselves into the kernel's slivers (see
/// [`Operand`]): `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `c` is `[m, n]`. A convolution's
/// receptive fields go straight from its input into the packed panels this way (`cpu::im2col`).
#[allow(clippy::too_many_arguments)]
pub fn gemm_operands(
    m: usize,
    k: usize,
    n: usize,
    a: impl Operand,
    b: impl Operand,
    c: &mut [f32],
    accumulate: bool,
    epilogue: Epilogue,
) {
    dispatch(Problem::with_operands(
        m, k, n, a, b, c, accumulate, epilogue,
    ));
}

/// The depth blocks, in order, that a product of depth `k` runs in on this machine's kernel:
/// each block's products are summed on their own and then added to C. A caller that leaves out
/// depth steps whose products are zero (`cpu::zero_columns`) runs each block's remaining steps
/// as its own product to keep the same sums, bit for bit.
pub fn depth_blocks(k: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let len = driver::depth_block_len(k, dispatched_kc()).max(1);
    (0..k)
        .step_by(len)
        .map(move |start| start..(start + len).min(k))
}

/// `KC` of the kernel [`dispatch`] runs.
fn dispatched_kc() -> usize {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return wasm::Dispatched::KC;
    #[cfg(target_arch = "x86_64")]
    return if x86::Avx2Fma::available() {
        x86::Avx2Fma::KC
    } else {
        Portable::KC
    };
    #[allow(unreachable_code)]
    Portable::KC
}

/// Runs `p` on this target's micro-kernel.
fn dispatch<A: Operand, B: Operand>(p: Problem<A, B>) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        run::<wasm::Dispatched, _, _>(p);
    }
    #[cfg(target_arch = "x86_64")]
    {
        if x86::Avx2Fma::available() {
            run::<x86::Avx2Fma, _, _>(p);
        } else {
            run::<Portable, _, _>(p);
        }
    }
    #[cfg(not(any(
        all(target_arch = "wasm32", target_feature = "simd128"),
        target_arch = "x86_64"
    )))]
    {
        run::<Portable, _, _>(p);
    }
}

/// [`sgemm_epilogue`] forced onto the portable micro-kernel, so native tests can check the
/// shared driver with the kernel that targets without a SIMD kernel run.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn sgemm_portable(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_trans: bool,
    b: &[f32],
    b_trans: bool,
    c: &mut [f32],
    accumulate: bool,
    epilogue: Epilogue,
) {
    run::<Portable, _, _>(Problem::new(
        m, k, n, a, a_trans, b, b_trans, c, accumulate, epilogue,
    ));
}

/// [`gemm_operands`] forced onto the portable micro-kernel (4x8, the wasm kernel's tile), so
/// native tests cover the packing of custom operands at the browser's sliver widths.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn gemm_operands_portable(
    m: usize,
    k: usize,
    n: usize,
    a: impl Operand,
    b: impl Operand,
    c: &mut [f32],
    accumulate: bool,
    epilogue: Epilogue,
) {
    run::<Portable, _, _>(Problem::with_operands(
        m, k, n, a, b, c, accumulate, epilogue,
    ));
}

/// [`sgemm_epilogue`] on the wasm kernel without fused multiply-adds (`f32x4.mul` then
/// `f32x4.add`), the one the simd128 build dispatches to: lets the relaxed build's benchmark
/// compare both kernels in one run.
#[doc(hidden)]
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(clippy::too_many_arguments)]
pub fn sgemm_unfused(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_trans: bool,
    b: &[f32],
    b_trans: bool,
    c: &mut [f32],
    accumulate: bool,
    epilogue: Epilogue,
) {
    run::<wasm::Simd128<false>, _, _>(Problem::new(
        m, k, n, a, a_trans, b, b_trans, c, accumulate, epilogue,
    ));
}

/// Name of the micro-kernel [`sgemm`] uses on this machine (for benchmark reports).
pub fn kernel_name() -> &'static str {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return wasm::NAME;
    #[cfg(target_arch = "x86_64")]
    return if x86::Avx2Fma::available() {
        "avx2-fma-6x16"
    } else {
        "portable-4x8"
    };
    #[allow(unreachable_code)]
    "portable-4x8"
}

/// A register-blocked micro-kernel: `C[0..MR, 0..NR] (+)= Ap . Bp` over `kc` steps, where `Ap`
/// holds `kc` groups of `MR` values of A's column and `Bp` `kc` groups of `NR` values of B's row.
pub(crate) trait MicroKernel {
    const MR: usize;
    const NR: usize;
    /// Rows of A packed at a time (a multiple of MR; `MC x KC` A block sized for L2).
    const MC: usize;
    /// Depth of a panel (`KC x NR` B sliver sized for L1).
    const KC: usize;
    /// Columns of B packed at a time (a multiple of NR).
    const NC: usize;

    /// # Safety
    /// `a` has `kc * MR` readable values, `b` `kc * NR`, and `c` points at an `MR x NR` tile
    /// with row stride `ldc` that is readable (when `accumulate`) and writable.
    unsafe fn tile(
        kc: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        accumulate: bool,
    );
}
