#!/usr/bin/env bash
# Browser benchmarks (tests/*_bench.rs): wasm-bindgen tests that print timings and assert nothing
# about speed, so they stay out of scripts/test.sh and CI's time. Built in release mode (the dev
# profile builds this crate at opt-level 1), run in headless Chromium like the wasm test layer.
#
#   scripts/bench_wasm.sh                    every *_bench.rs
#   scripts/bench_wasm.sh wasm_gpu_bench     one of them (wasm_gpu_bench, wasm_gemm_bench)
#   WASM_BUILD=relaxed-simd scripts/bench_wasm.sh wasm_gemm_bench
#                                            the relaxed-SIMD build (scripts/wasm_builds.sh): the
#                                            fused kernel, the unfused one and the FMA peak
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=wasm_builds.sh
source scripts/wasm_builds.sh
prefix=()
case "${WASM_BUILD:-simd128}" in
  simd128) ;;
  relaxed-simd) prefix=(with_relaxed_simd) ;;
  *) echo "WASM_BUILD must be simd128 or relaxed-simd" >&2; exit 2 ;;
esac

targets=()
if [ "$#" -gt 0 ]; then
  for name in "$@"; do targets+=(--test "$name"); done
else
  for f in tests/*_bench.rs; do targets+=(--test "$(basename "$f" .rs)"); done
fi
WASM_BINDGEN_TEST_ONLY_WEB=1 \
  CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json" \
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-900}" \
  "${prefix[@]}" wasm-pack --log-level warn test --release --headless --chrome --chromedriver /usr/bin/chromedriver \
  --mode no-install -- "${targets[@]}" -- --nocapture
