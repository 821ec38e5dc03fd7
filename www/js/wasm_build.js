// Which of the two wasm builds this browser runs, and loading it. Both hold the same engine:
//   www/pkg-relaxed/   built with +relaxed-simd: the CPU matmul's micro-kernel uses
//                      f32x4.relaxed_madd, a fused multiply-add on x86 (FMA3) and ARM64
//   www/pkg/           plain simd128 (every browser with wasm SIMD)
// A browser that validates a tiny module using f32x4.relaxed_madd gets the relaxed build. Every
// worker that runs the engine (engine, grad helper, predictor, labs) loads through here, so all
// of them run the same build and their results agree. `?wasm=simd128` (or `?wasm=relaxed-simd`)
// in the page's address forces a build, for benchmarks and tests; the page hands its query to
// the workers it starts (`workerUrl`), and they to theirs.

/**
 * `(func (result v128) f32x4.splat(1) f32x4.splat(1) f32x4.splat(1) f32x4.relaxed_madd)`:
 * valid exactly where the engine implements relaxed SIMD (opcode 0xfd 0x105).
 */
// prettier-ignore
export const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x1c, 0x01, 0x1a, 0x00, // code section: one body of 26 bytes, no locals
  0x43, 0x00, 0x00, 0x80, 0x3f, 0xfd, 0x13, // f32.const 1; f32x4.splat
  0x43, 0x00, 0x00, 0x80, 0x3f, 0xfd, 0x13,
  0x43, 0x00, 0x00, 0x80, 0x3f, 0xfd, 0x13,
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
]);

export const WASM_BUILDS = ["relaxed-simd", "simd128"];
const PKG_DIRS = { "relaxed-simd": "../pkg-relaxed/", simd128: "../pkg/" };

/** `'relaxed-simd'` where the engine validates the probe, else `'simd128'`. */
export function detectWasmBuild(validate = (bytes) => WebAssembly.validate(bytes)) {
  try {
    return validate(RELAXED_SIMD_PROBE) ? "relaxed-simd" : "simd128";
  } catch {
    return "simd128";
  }
}

/** The build forced by `?wasm=` in `search`, or null (an unknown name forces nothing). */
export function forcedWasmBuild(search) {
  const name = new URLSearchParams(search ?? "").get("wasm");
  return WASM_BUILDS.includes(name) ? name : null;
}

/** The build to run here: the forced one, else the detected one (relaxed needs the browser's support). */
export function chooseWasmBuild(search = globalThis.location?.search, validate) {
  const forced = forcedWasmBuild(search);
  const detected = detectWasmBuild(validate);
  return forced === "relaxed-simd" && detected !== "relaxed-simd" ? "simd128" : (forced ?? detected);
}

/** `url` (a worker script) with this context's `?wasm=` choice, so a worker picks the same build. */
export function workerUrl(url, search = globalThis.location?.search) {
  const forced = forcedWasmBuild(search);
  if (forced) url.searchParams.set("wasm", forced);
  return url;
}

/**
 * Import and instantiate the chosen build; resolves `{wasm, build}` (`wasm`: the module's
 * exports, as `import * as wasm` would give). The build's own `wasmBuild()` names what it was
 * compiled with, so `build` is the truth even if a server served the wrong files.
 */
export async function loadWasm(search) {
  const chosen = chooseWasmBuild(search);
  let wasm;
  try {
    wasm = await instantiate(chosen);
  } catch (e) {
    // A site that serves only www/pkg (built before the relaxed build existed) still runs.
    if (chosen === "simd128") throw e;
    console.warn(`the relaxed-SIMD build did not load (${e?.message ?? e}); running the simd128 build`);
    wasm = await instantiate("simd128");
  }
  return { wasm, build: typeof wasm.wasmBuild === "function" ? wasm.wasmBuild() : "simd128" };
}

async function instantiate(build) {
  const wasm = await import(new URL(`${PKG_DIRS[build]}gradient_garden.js`, import.meta.url).href);
  await wasm.default();
  return wasm;
}
