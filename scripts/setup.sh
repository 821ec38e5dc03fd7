#!/usr/bin/env bash
# Install everything the build and the tests need, and nothing else. Idempotent: a second run
# checks each piece, says it is there, and installs nothing.
#
#   apt:    chromium chromium-driver (browser tests), mesa-vulkan-drivers libvulkan1 (lavapipe,
#           the CPU Vulkan that native wgpu tests run on). `apt-get update` runs once, and only
#           when something is missing. Never binaryen: Debian's wasm-opt corrupts our output, and
#           Cargo.toml turns wasm-opt off.
#   rustup: the wasm32-unknown-unknown target.
#   cargo:  wasm-pack 0.15.1, wasm-bindgen-cli 0.2.130 (must equal the `wasm-bindgen` pin).
#   npm:    `npm ci` (playwright-core only; it downloads no browser, the tests drive
#           /usr/bin/chromium).
#
# Nothing here downloads a browser, a driver or a binary from outside the package registries.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

WASM_PACK_VERSION=0.15.1
WASM_BINDGEN_VERSION=0.2.130
APT_PACKAGES=(chromium chromium-driver mesa-vulkan-drivers libvulkan1)

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root for: $* (run as root or install sudo)"
  fi
}

# --- Debian packages -------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
need_node=0
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  # Only when the machine has no Node at all: Debian's nodejs has node:test, which is all we need.
  need_node=1
  missing+=(nodejs npm)
fi
if [ "${#missing[@]}" -eq 0 ]; then
  say "apt: ${APT_PACKAGES[*]} already installed"
else
  say "apt: installing ${missing[*]} (apt-get update first)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q
  # With recommends: chromium-common pulls in fonts (fonts-liberation), which the page text needs.
  as_root apt-get install -y -q "${missing[@]}"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after the apt step"
[ -x /usr/bin/chromedriver ] || die "/usr/bin/chromedriver is missing after the apt step"
[ "$need_node" -eq 0 ] || say "node: installed $(node --version) from Debian"

# --- Rust toolchain pieces -----------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup first"
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup: wasm32-unknown-unknown already installed"
else
  say "rustup: adding target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-pack --version 2>/dev/null || true)" = "wasm-pack $WASM_PACK_VERSION" ]; then
  say "cargo: wasm-pack $WASM_PACK_VERSION already installed"
else
  say "cargo: installing wasm-pack $WASM_PACK_VERSION (a few minutes)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi

# wasm-bindgen-cli must match the `wasm-bindgen = "=0.2.130"` pin exactly: the CLI and the
# macro-generated code share an unstable ABI. Installed without --locked, like the project's
# first install; --force replaces a wasm-bindgen of another version.
if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $WASM_BINDGEN_VERSION" ] &&
  command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
  say "cargo: wasm-bindgen-cli $WASM_BINDGEN_VERSION already installed"
else
  say "cargo: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# --- npm -------------------------------------------------------------------------------------
want_pw="$(node -e 'console.log(require("./package-lock.json").packages["node_modules/playwright-core"].version)')"
have_pw="$(node -e 'try{console.log(require("./node_modules/playwright-core/package.json").version)}catch{console.log("none")}')"
if [ "$have_pw" = "$want_pw" ]; then
  say "npm: playwright-core $have_pw already installed"
else
  say "npm: npm ci (playwright-core $want_pw; downloads no browser)"
  # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: belt and braces; playwright-core has no install hook anyway.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

say "ready: $(rustc --version), $(wasm-pack --version), $(wasm-bindgen --version), node $(node --version), $(/usr/bin/chromium --version 2>/dev/null)"
