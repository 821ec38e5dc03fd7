//! Which matmul family the products of a backend use: the tiled kernels with workgroup memory,
//! or the barrier-free ones (`MatmulShape::pick` then chooses the tile by shape). Decided per
//! adapter, overridable for A/B benchmarks. Kept apart from `context` (the device knows nothing
//! of kernels) and from `kernels` (the table compiles whatever it is asked to).
use super::context::Gpu;
use super::kernels::Kernel;
use std::sync::atomic::{AtomicU8, Ordering};

/// 0: by adapter, 1: direct 4x4 only, 2: tiled, 3: direct by shape (for A/B profiling).
static MATMUL_VARIANT: AtomicU8 = AtomicU8::new(0);

/// Choose the matmul family for backends built after this call: `Some(Kernel::MatmulDirectWide)`
/// barrier-free by shape (8x8 blocks where the product is big enough), `Some(Kernel::MatmulDirect)`
/// barrier-free with 4x4 blocks only, `Some(Kernel::Matmul)` (or any other) tiled by shape, `None`
/// by adapter (barrier-free by shape on software adapters in a browser). For benchmarks.
pub fn set_matmul_variant(kernel: Option<Kernel>) {
    let v = match kernel {
        None => 0,
        Some(Kernel::MatmulDirect) => 1,
        Some(Kernel::MatmulDirectWide) => 3,
        Some(_) => 2,
    };
    MATMUL_VARIANT.store(v, Ordering::Relaxed);
}

/// The barrier-free matmul family used on SwiftShader (see `MatmulShape::pick`).
pub const DIRECT: Kernel = Kernel::MatmulDirectWide;

/// `Some(DIRECT)` (no workgroup memory, no barriers) for every product, or `None` (tiled): on
/// by default on software adapters in the browser (SwiftShader), overridable with
/// [`set_matmul_variant`] (natively also `GARDEN_MATMUL=tiled|direct`).
pub fn for_adapter(gpu: &Gpu) -> Option<Kernel> {
    // Natively GARDEN_MATMUL=tiled|direct overrides the adapter rule (A/B benchmarks).
    #[cfg(not(target_arch = "wasm32"))]
    let env = std::env::var("GARDEN_MATMUL").ok();
    #[cfg(target_arch = "wasm32")]
    let env: Option<String> = None;
    match (MATMUL_VARIANT.load(Ordering::Relaxed), env.as_deref()) {
        (1, _) => Some(Kernel::MatmulDirect),
        (3, _) | (_, Some("direct")) => Some(DIRECT),
        (2, _) | (_, Some("tiled")) => None,
        // SwiftShader in the browser: barriers are very expensive (MLP 2.6x, CNN 2.3x faster
        // with the direct matmul). Natively lavapipe runs the tiled kernels faster.
        _ => (cfg!(target_arch = "wasm32") && gpu.is_fallback()).then_some(DIRECT),
    }
}
