#!/usr/bin/env bash
# The one command to try the playground: install what is missing, build the wasm package into
# www/pkg (the page imports ./pkg/gradient_garden.js), and serve www/ on http://127.0.0.1:8080.
#
#   PORT=9000 scripts/serve.sh     another port
#   GARDEN_DEV=1 scripts/serve.sh  debug build of the wasm (faster to compile, slower to run)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

profile=--release
[ "${GARDEN_DEV:-0}" = "1" ] && profile=--dev
echo "[serve] wasm-pack build $profile --target web --out-dir www/pkg"
# --mode no-install: use the wasm-bindgen that setup.sh installed, never download one.
# --no-pack: no npm package.json/README in www/pkg; the page only needs the .js and .wasm.
wasm-pack build "$profile" --target web --out-dir www/pkg --mode no-install --no-pack

exec node scripts/serve.mjs --root www --host 127.0.0.1 --port "${PORT:-8080}"
