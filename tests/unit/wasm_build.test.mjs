// www/js/wasm_build.js: the relaxed-SIMD probe module is valid exactly where the engine has
// relaxed SIMD (node 20's V8 has it behind a flag, so each case runs in a child node with the
// flag on or off), and `?wasm=` forces a build only where the browser can run it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  RELAXED_SIMD_PROBE,
  chooseWasmBuild,
  detectWasmBuild,
  forcedWasmBuild,
  workerUrl,
} from "../../www/js/wasm_build.js";

const MODULE = new URL("../../www/js/wasm_build.js", import.meta.url).href;

/** detectWasmBuild() in a child node started with `flags`; null if this node lacks the flag. */
function detectIn(flags) {
  const src = `import(${JSON.stringify(MODULE)}).then((m) => console.log(m.detectWasmBuild()))`;
  try {
    const args = [...flags, "--input-type=module", "-e", src];
    return execFileSync(process.execPath, args, { encoding: "utf8", stdio: "pipe" }).trim();
  } catch (e) {
    if (/bad option/.test(String(e.stderr))) return null;
    throw e;
  }
}

test("the probe validates where relaxed SIMD is on, and only there", (t) => {
  const on = detectIn(["--experimental-wasm-relaxed-simd"]);
  const off = detectIn(["--no-experimental-wasm-relaxed-simd"]);
  // V8 drops an experimental flag once the feature ships (node 22+): then only "on" is testable.
  if (on === null) return t.skip("SKIP: this node has no --experimental-wasm-relaxed-simd flag");
  assert.equal(on, "relaxed-simd");
  if (off === null) return t.skip("SKIP: this node cannot turn relaxed SIMD off");
  assert.equal(off, "simd128");
});

test("the probe is a well-formed module whose only doubtful part is the relaxed opcode", () => {
  // A wrong section size would make every engine say simd128; an unknown opcode must not pass.
  const bytes = RELAXED_SIMD_PROBE;
  const codeStart = bytes.indexOf(0x0a, 8 + 7 + 4);
  assert.equal(bytes.length - (codeStart + 2), bytes[codeStart + 1], "code section size");
  const broken = bytes.slice();
  broken[broken.length - 3] = 0xff;
  assert.equal(WebAssembly.validate(broken), false);
});

test("?wasm= forces a build the browser can run; anything else is ignored", () => {
  const yes = () => true;
  const no = () => false;
  assert.equal(chooseWasmBuild("", yes), "relaxed-simd");
  assert.equal(chooseWasmBuild("", no), "simd128");
  assert.equal(chooseWasmBuild("?wasm=simd128", yes), "simd128");
  assert.equal(chooseWasmBuild("?wasm=relaxed-simd", no), "simd128", "relaxed cannot be forced on");
  assert.equal(chooseWasmBuild("?wasm=avx512", yes), "relaxed-simd");
  assert.equal(forcedWasmBuild("?wasm=nonsense"), null);
  assert.equal(detectWasmBuild(() => { throw new Error("no WebAssembly"); }), "simd128");
  const url = workerUrl(new URL("http://x/workers/grad.js"), "?wasm=simd128&model=cnn");
  assert.equal(url.search, "?wasm=simd128");
  assert.equal(workerUrl(new URL("http://x/workers/grad.js"), "").search, "");
});
