#!/usr/bin/env bash
# The one command to try the playground: install what is missing, build the wasm packages into
# www/pkg and www/pkg-relaxed (scripts/wasm_builds.sh: the page picks one at load), and serve
# www/ on http://127.0.0.1:8080.
#
#   PORT=9000 scripts/serve.sh     another port
#   GARDEN_DEV=1 scripts/serve.sh  debug build of the wasm (faster to compile, slower to run)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh
# shellcheck source=wasm_builds.sh
source scripts/wasm_builds.sh

profile=--release
[ "${GARDEN_DEV:-0}" = "1" ] && profile=--dev
build_wasm_pkgs "$profile"

exec node scripts/serve.mjs --root www --host 127.0.0.1 --port "${PORT:-8080}"
