// One set of limits for every setting: the page's validation (www/js/settings.js `validate`, the
// door for the slider, setLearningRate, configure, the address and the engine worker) and the
// Rust engine's own checks (src/limits.rs, run by the wasm export `checkSettings`) accept and
// refuse exactly the same values, with the same words. Runs the built wasm (www/pkg) in Node: no
// browser needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, requirePkg } from "./harness.mjs";
import { LIMITS, defaults, validate } from "../../www/js/settings.js";

async function loadWasm() {
  requirePkg();
  const wasm = await import(join(REPO_ROOT, "www/pkg/gradient_garden.js"));
  await wasm.default({ module_or_path: readFileSync(join(REPO_ROOT, "www/pkg/gradient_garden_bg.wasm")) });
  return wasm;
}

/** Values at and around each limit, and the ones no limit should let through. */
function boundaryCases() {
  const around = (x) => [x, x + 0.01, x - 0.01];
  const odd = [NaN, Infinity, -Infinity, -1];
  const cases = [];
  const put = (what, values, set) => {
    for (const v of values) cases.push([`${what} = ${v}`, set(v)]);
  };
  put("lr", [...around(LIMITS.lr.max), 0, 1e-8, 1e-50, ...odd], (v) => (c) => (c.optimizer.lr = v));
  put("L2", [...around(LIMITS.weight_decay.max), 0, -1e-6, ...odd], (v) => (c) => (c.optimizer.weight_decay = v));
  put("momentum", [0, 0.5, 0.999, 1, 1.01, ...odd], (v) => (c) => Object.assign(c.optimizer, { kind: "momentum", momentum: v }));
  put("batch", [0, 1, 2, LIMITS.batch.max, LIMITS.batch.max + 1, 1e6, -1], (v) => (c) => (c.batch = v));
  put("shift", [...around(LIMITS.shift.max), 0, ...odd], (v) => (c) => (c.augment.shift = v));
  put("rotate", [...around(LIMITS.rotate.max), 0, ...odd], (v) => (c) => (c.augment.rotate = v));
  put("validation", [...around(LIMITS.validation.max), 0, 0.5, ...odd], (v) => (c) => (c.validation = v));
  put("seed", [0, 1, LIMITS.seed.max, LIMITS.seed.max + 1, -1], (v) => (c) => (c.seed = v));
  return cases;
}

const outcome = (fn) => {
  try {
    fn();
    return { ok: true };
  } catch (e) {
    return { ok: false, message: e.message ?? String(e) };
  }
};

test("the page's validation and the engine's checks agree on every limit, in the same words", async () => {
  const wasm = await loadWasm();
  let refused = 0;
  for (const [what, set] of boundaryCases()) {
    const cfg = defaults();
    set(cfg);
    const page = outcome(() => validate(structuredClone(cfg)));
    const engine = outcome(() => wasm.checkSettings(structuredClone(cfg)));
    assert.equal(engine.ok, page.ok, `${what}: page ${page.message ?? "accepts"}, engine ${engine.message ?? "accepts"}`);
    if (!page.ok) {
      refused++;
      // NaN and the infinities reach Rust as JSON-less JS numbers; a number of the wrong kind
      // (a negative or huge batch for a usize) is refused by the type before any limit.
      if (!/invalid type|invalid value/.test(engine.message)) {
        // The engine quotes the value as the f32 it holds (1e-50 arrives as 0): same words,
        // the value aside.
        const words = (m) => m.replace(/(rate|L2|momentum|batch|shift|rotation|split|seed) \S+ is/, "$1 # is");
        assert.equal(words(engine.message), words(`invalid setting: ${page.message}`), what);
      }
    }
  }
  assert.ok(refused > 20, `${refused} refusals`);
});
