// The page runs one of two wasm builds (www/js/wasm_build.js, scripts/wasm_builds.sh): Chromium
// validates relaxed SIMD, so every worker that runs the engine loads www/pkg-relaxed and
// state().wasmBuild says 'relaxed-simd'; `?wasm=simd128` makes every worker load www/pkg. The
// two builds train the same steps up to float rounding (the relaxed matmul fuses its
// multiply-adds, rounding once where the other rounds twice).
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, until } from "./page_helpers.mjs";

const SETTINGS = { model: "mlp", backend: "cpu", batch: 64, seed: 5, lr: 0.05, workers: 2 };
const STEPS = 10;

/** Each worker's wasm downloads (its own resource timing entries), by worker script name. */
async function wasmLoads(page) {
  const loads = {};
  for (const w of page.workers()) {
    const name = new URL(w.url()).pathname.split("/").pop();
    loads[name] = await w.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((e) => new URL(e.name).pathname)
        .filter((p) => p.endsWith(".wasm")),
    );
  }
  return loads;
}

/** Train STEPS steps of SETTINGS from fresh weights in the page at `query`; the losses and state. */
async function run(query) {
  const app = await openPlayground(`${query}#model=mlp&backend=cpu`);
  try {
    const { page } = app;
    // Both runs train on the same set: the full one, once it has streamed in (a run started on
    // the first slice draws other batches, and its losses are not the other build's).
    await until(page, () => window.playground.state().data.done);
    await page.evaluate((s) => window.playground.configure(s), SETTINGS);
    await page.evaluate(() => window.playground.reset());
    const state = await page.evaluate((n) => window.playground.step(n), STEPS);
    const loads = await wasmLoads(page);
    app.check();
    return { losses: state.loss, state, loads };
  } finally {
    await app.close();
  }
}

function assertEveryWorkerLoaded(loads, dir) {
  // The engine, the predictor and (two workers) the gradient helper each load the engine.
  for (const script of ["engine.js", "predictor.js", "grad.js"]) {
    assert.deepEqual(loads[script], [`/${dir}/gradient_garden_bg.wasm`], `${script} loaded ${JSON.stringify(loads[script])}`);
  }
}

test("Chromium runs the relaxed-SIMD build everywhere, ?wasm=simd128 the plain one, and both train alike", async () => {
  const relaxed = await run("");
  assert.equal(relaxed.state.wasmBuild, "relaxed-simd");
  assert.equal(relaxed.state.workers, 2);
  assertEveryWorkerLoaded(relaxed.loads, "pkg-relaxed");

  const plain = await run("?wasm=simd128");
  assert.equal(plain.state.wasmBuild, "simd128");
  assertEveryWorkerLoaded(plain.loads, "pkg");

  assert.equal(relaxed.losses.length, STEPS);
  assert.equal(plain.losses.length, STEPS);
  for (let i = 0; i < STEPS; i++) {
    const [a, b] = [relaxed.losses[i], plain.losses[i]];
    assert.ok(Number.isFinite(a) && Math.abs(a - b) <= 1e-3 * Math.abs(b), `step ${i}: relaxed ${a}, simd128 ${b}`);
  }
  assert.ok(relaxed.losses.at(-1) < relaxed.losses[0], `the relaxed build learns: ${relaxed.losses}`);
});
