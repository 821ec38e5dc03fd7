#!/usr/bin/env bash
# Every test the project has, in four layers, the same way CI runs them (.ci/run calls this):
#
#   native  `cargo test`: CPU reference, gradient checks, and the GPU backend on Mesa lavapipe
#           (a CPU Vulkan), so GPU kernels are checked against the CPU without a GPU.
#   wasm    wasm-bindgen tests in headless Chromium (webdriver.json, /usr/bin/chromedriver):
#           wgpu reaches a real WebGPU adapter (SwiftShader) and its kernels match ndarray; the
#           CPU files run again on the relaxed-SIMD build (scripts/wasm_builds.sh).
#   unit    `node --test tests/unit/`: the page's pure modules (worker protocol, store, plot ticks)
#           in Node, no browser.
#   e2e     `node --test tests/e2e/`: the real page (www/ + www/pkg, www/pkg-relaxed) in headless
#           Chromium.
#
# Every layer runs even when an earlier one fails; the script exits non-zero if any failed and
# ends with a summary of the layers and a `total: N passed, N failed` line.
#
#   scripts/test.sh              all four layers
#   scripts/test.sh native e2e   only those layers
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

LAYERS=("$@")
[ "${#LAYERS[@]}" -gt 0 ] || LAYERS=(native wasm unit e2e)
for layer in "${LAYERS[@]}"; do
  case "$layer" in native | wasm | unit | e2e) ;; *) echo "unknown layer '$layer' (native, wasm, unit, e2e)" >&2; exit 2 ;; esac
done

bash scripts/setup.sh || { echo "[test] setup failed" >&2; exit 1; }
# shellcheck source=wasm_builds.sh
source scripts/wasm_builds.sh

# CI must never skip a GPU test for want of an adapter (the flag is for local machines only).
if [ "${CI:-}" = "true" ]; then unset GARDEN_ALLOW_NO_GPU; fi

LOG_DIR="$ROOT/target/test-logs"
mkdir -p "$LOG_DIR"

# CI's machine can be short of disk (one run filled it at ~15 GB of target/): there, no incremental
# cache, and each layer's build outputs go once no later layer needs them. Locally they stay, so
# a rerun builds nothing (GARDEN_PRUNE_TARGET=1 or 0 overrides either way).
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ "${CI:-}" = "true" ]; then
  export CARGO_INCREMENTAL=0
  PRUNE="${GARDEN_PRUNE_TARGET:-1}"
else
  PRUNE="${GARDEN_PRUNE_TARGET:-0}"
fi
declare -A PASSED FAILED SKIPPED STATUS SECS

banner() { printf '\n========== %s ==========\n' "$*"; }

free_disk() { df -h --output=avail "$ROOT" 2>/dev/null | tail -n 1 | tr -d ' '; }

# A full run's build outputs peak near 2.3 GB when pruned (CI) and reach ~4 GB when kept: say so
# up front rather than fail mid-build with "No space left on device".
warn_if_short_of_disk() {
  local need_gb=4 free_kb
  [ "$PRUNE" = 1 ] && need_gb=3
  free_kb=$(df -k --output=avail "$ROOT" 2>/dev/null | tail -n 1 | tr -d ' ')
  case "$free_kb" in '' | *[!0-9]*) return 0 ;; esac
  if [ "$free_kb" -lt $((need_gb * 1024 * 1024)) ]; then
    local hint=""
    [ "$PRUNE" = 1 ] || hint=" (GARDEN_PRUNE_TARGET=1 deletes each layer's build outputs once it is done)"
    echo "[test] WARNING: only $(free_disk) free; a full run may need about ${need_gb} GB for target/$hint" >&2
  fi
}

# What a finished layer built and no later one reads: the native layer's test binaries, examples
# and incremental cache (its dependencies' rlibs and build-script outputs stay: the host half of
# the wasm builds reuses them), and the wasm layer's debug builds (e2e builds release).
prune_after() { # layer
  [ "$PRUNE" = 1 ] || return 0
  case "$1" in
    native)
      rm -rf "$TARGET/debug/examples" "$TARGET/debug/incremental"
      find "$TARGET/debug/deps" -maxdepth 1 -type f -perm -u+x ! -name '*.so' -delete 2>/dev/null
      ;;
    wasm)
      rm -rf "$TARGET/wasm32-unknown-unknown/debug" "$TARGET/relaxed-simd/wasm32-unknown-unknown/debug" \
        "$TARGET/relaxed-simd/debug"
      ;;
    *) return 0 ;;
  esac
  echo "[test] pruned $1's build outputs; $(free_disk) free"
}

# Sum cargo's / wasm-bindgen-test's "test result: ok. N passed; N failed; N ignored" lines.
count_cargo() { # layer logfile rc
  local layer=$1 log=$2 rc=$3
  read -r p f i < <(grep -aE 'test result: (ok|FAILED)\. [0-9]+ passed; [0-9]+ failed; [0-9]+ ignored' "$log" |
    sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/' |
    awk '{p+=$1; f+=$2; i+=$3} END {print p+0, f+0, i+0}')
  record "$layer" "$rc" "$p" "$f" "$i"
}

# node's TAP summary: "# pass N", "# fail N", "# skipped N", "# cancelled N".
count_tap() { # layer tapfile rc
  local layer=$1 tap=$2 rc=$3 p f s c
  p=$(grep -aE '^# pass [0-9]+' "$tap" 2>/dev/null | awk '{s+=$3} END {print s+0}')
  f=$(grep -aE '^# fail [0-9]+' "$tap" 2>/dev/null | awk '{s+=$3} END {print s+0}')
  c=$(grep -aE '^# cancelled [0-9]+' "$tap" 2>/dev/null | awk '{s+=$3} END {print s+0}')
  s=$(grep -aE '^# (skipped|todo) [0-9]+' "$tap" 2>/dev/null | awk '{s+=$3} END {print s+0}')
  record "$layer" "$rc" "$p" "$((f + c))" "$s"
}

record() { # layer rc passed failed skipped
  local layer=$1 rc=$2
  PASSED[$layer]=$3 FAILED[$layer]=$4 SKIPPED[$layer]=$5
  if [ "$rc" -eq 0 ] && [ "$4" -eq 0 ] && [ "$3" -gt 0 ]; then
    STATUS[$layer]=ok
  elif [ "$rc" -eq 0 ] && [ "$3" -eq 0 ]; then
    STATUS[$layer]="FAILED (ran no test)"
    FAILED[$layer]=$(($4 + 1))
  elif [ "$4" -eq 0 ]; then
    # Non-zero exit with no failing test counted: a build error, a crash or a timeout.
    STATUS[$layer]="FAILED (exit $rc before/after the tests: see $LOG_DIR/$layer.log)"
    FAILED[$layer]=1
  else
    STATUS[$layer]="FAILED (exit $rc)"
  fi
}

run_native() {
  banner "native: cargo test (wgpu on lavapipe)"
  cargo test --color never 2>&1 | tee "$LOG_DIR/native.log"
  local rc=${PIPESTATUS[0]}
  # Whole training steps again with the barrier-free matmuls that SwiftShader gets in a browser
  # (natively the tiled ones are faster, so nothing else runs them on a real net).
  banner "native: gpu_train with GARDEN_MATMUL=direct"
  GARDEN_MATMUL=direct cargo test --color never --test gpu_train 2>&1 | tee -a "$LOG_DIR/native.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
  count_cargo native "$LOG_DIR/native.log" "$rc"
}

run_wasm() {
  # `wasm-pack test --headless --chrome` on the files under tests/ that configure `run_in_browser`
  # (native-only test files are cfg'd out on wasm32, so its `cargo build --tests` compiles them to
  # nothing). Extra arguments after `--` go to `cargo test`, which then runs only the browser files.
  banner "wasm: wasm-bindgen tests in headless Chromium (WebGPU on SwiftShader)"
  local targets=()
  # Files named *_bench.rs print timings and assert nothing about speed: scripts/bench_wasm.sh
  # runs them, not the test suite.
  for f in tests/*.rs; do
    case "$f" in *_bench.rs) continue ;; esac
    grep -q 'wasm_bindgen_test_configure!(run_in_browser)' "$f" && targets+=(--test "$(basename "$f" .rs)")
  done
  if [ "${#targets[@]}" -eq 0 ]; then
    # Without any --test, cargo would run every test target for wasm32: refuse instead.
    echo "[test] no tests/*.rs declares wasm_bindgen_test_configure!(run_in_browser)" | tee "$LOG_DIR/wasm.log"
    record wasm 1 0 0 0
    return
  fi
  echo "[test] browser test files: ${targets[*]}"
  wasm_browser_tests simd128 "${targets[@]}" 2>&1 | tee "$LOG_DIR/wasm.log"
  local rc=${PIPESTATUS[0]}
  # The relaxed-SIMD build (www/pkg-relaxed) differs only in the CPU code, so it runs only the
  # CPU files: the matmul against the f64 reference, the convolution operands packed from the
  # image against the im2col matrix, the fused convolution blocks against the layers one by one,
  # the dense products that skip all-zero input columns against the full ones, and whole
  # sessions (one and two workers, the inference Model) that must learn and agree within float
  # tolerance.
  banner "wasm: the CPU tests again on the relaxed-SIMD build"
  wasm_browser_tests relaxed-simd --test gemm_products --test gemm_epilogue --test im2col_operands \
    --test cpu_fused_conv --test cpu_zero_columns --test cpu_sparse_input --test wasm_model --test wasm_parallel 2>&1 |
    tee -a "$LOG_DIR/wasm.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
  count_cargo wasm "$LOG_DIR/wasm.log" "$rc"
}

# `wasm_browser_tests simd128|relaxed-simd --test NAME...`: wasm-bindgen tests in headless
# Chromium, built as that wasm build (scripts/wasm_builds.sh).
wasm_browser_tests() {
  local build=$1 prefix=()
  shift
  [ "$build" = relaxed-simd ] && prefix=(with_relaxed_simd)
  WASM_BINDGEN_TEST_ONLY_WEB=1 \
    CHROMEDRIVER=/usr/bin/chromedriver \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json" \
    WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}" \
    "${prefix[@]}" wasm-pack --log-level warn test --headless --chrome --chromedriver /usr/bin/chromedriver \
    --mode no-install -- "$@"
}

run_unit() {
  banner "unit: node --test tests/unit/ (the page's pure modules, no browser)"
  rm -f "$LOG_DIR/unit.tap"
  node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$LOG_DIR/unit.tap" \
    tests/unit/ 2>&1 | tee "$LOG_DIR/unit.log"
  count_tap unit "$LOG_DIR/unit.tap" "${PIPESTATUS[0]}"
}

run_e2e() {
  banner "e2e: wasm-pack build --release --target web, www/pkg and www/pkg-relaxed"
  if ! build_wasm_pkgs --release 2>&1 | tee "$LOG_DIR/e2e-build.log"; then
    record e2e 1 0 0 0
    STATUS[e2e]="FAILED (wasm-pack build: see $LOG_DIR/e2e-build.log)"
    return
  fi
  banner "e2e: node --test tests/e2e/ (headless Chromium)"
  rm -f "$LOG_DIR/e2e.tap"
  node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$LOG_DIR/e2e.tap" \
    tests/e2e/ 2>&1 | tee "$LOG_DIR/e2e.log"
  count_tap e2e "$LOG_DIR/e2e.tap" "${PIPESTATUS[0]}"
}

START=$SECONDS
echo "[test] $(free_disk) free on the disk of $ROOT"
warn_if_short_of_disk
for layer in "${LAYERS[@]}"; do
  t0=$SECONDS
  "run_$layer"
  SECS[$layer]=$((SECONDS - t0))
  prune_after "$layer"
done

banner "summary"
total_p=0 total_f=0 total_s=0 any_failed=0
declare -A LABEL=(
  [native]="native (cargo test, lavapipe)      "
  [wasm]="wasm   (wasm-bindgen-test, Chromium) "
  [unit]="unit   (node --test, Node)           "
  [e2e]="e2e    (node --test, Chromium)       "
)
for layer in "${LAYERS[@]}"; do
  printf '%s %4d passed, %d failed, %d skipped  %5ds  %s\n' "${LABEL[$layer]}" \
    "${PASSED[$layer]}" "${FAILED[$layer]}" "${SKIPPED[$layer]}" "${SECS[$layer]}" "${STATUS[$layer]}"
  total_p=$((total_p + PASSED[$layer]))
  total_f=$((total_f + FAILED[$layer]))
  total_s=$((total_s + SKIPPED[$layer]))
  [ "${STATUS[$layer]}" = ok ] || any_failed=1
done
echo "logs: $LOG_DIR; wall time $((SECONDS - START))s"
echo "total: $total_p passed, $total_f failed, $total_s skipped"
exit "$any_failed"
