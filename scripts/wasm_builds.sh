# Sourced by serve.sh, test.sh and bench_wasm.sh: the page's two wasm builds, picked at load by
# www/js/wasm_build.js (a browser that validates a relaxed-SIMD module gets the relaxed one).
#
#   www/pkg/           simd128 (.cargo/config.toml's target feature): every browser with wasm SIMD
#   www/pkg-relaxed/   simd128 + relaxed-simd: the CPU matmul's micro-kernel fuses its
#                      multiply-adds (f32x4.relaxed_madd, src/cpu/gemm/wasm.rs)
#
# The relaxed build sets RUSTFLAGS, which replaces the config's rustflags (hence +simd128 again),
# and builds in its own target directory: with one directory, every switch between the builds
# would recompile every dependency.
RELAXED_SIMD_RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd"

# `with_relaxed_simd cmd...`: run a cargo/wasm-pack command for the relaxed build.
with_relaxed_simd() {
  RUSTFLAGS="$RELAXED_SIMD_RUSTFLAGS" CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/relaxed-simd" "$@"
}

# `build_wasm_pkgs --release|--dev`: both packages. --mode no-install: the wasm-bindgen that
# setup.sh installed, never a download; --no-pack: no npm package.json/README, the page only
# needs the .js and .wasm.
build_wasm_pkgs() {
  local profile=$1
  echo "[wasm] wasm-pack build $profile --target web --out-dir www/pkg (simd128)"
  wasm-pack build "$profile" --target web --out-dir www/pkg --mode no-install --no-pack || return 1
  echo "[wasm] wasm-pack build $profile --target web --out-dir www/pkg-relaxed (RUSTFLAGS='$RELAXED_SIMD_RUSTFLAGS')"
  with_relaxed_simd wasm-pack build "$profile" --target web --out-dir www/pkg-relaxed --mode no-install --no-pack
}
