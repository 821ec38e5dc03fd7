// A real GPU device loss, not an injected message: `injectFault(_, 'device')` calls
// GPUDevice.destroy() on the engine worker's device (www/workers/gpu_watch.js), so the next step's
// GPU work fails the way it does after a driver reset. Training must move to the CPU with the
// weights it had (the GPU's buffers are gone by then: they come from the engine's last CPU copy,
// taken when the weights went to the predictor) and say how many steps, if any, were lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, until } from "./page_helpers.mjs";

/** The F32 tensors of a .safetensors file, concatenated in header order. */
function floats(bytes) {
  const buf = Buffer.from(bytes);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  const out = [];
  for (const [name, t] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const [a, b] = t.data_offsets;
    const data = buf.subarray(8 + n + a, 8 + n + b);
    for (let i = 0; i < data.length; i += 4) out.push(data.readFloatLE(i));
  }
  return out;
}

test("a destroyed GPU device: training moves to the CPU with the weights kept, and says so", async () => {
  const app = await openPlayground("#model=mlp&backend=gpu&lr=0.003");
  try {
    const { page } = app;
    const first = await page.evaluate(() => window.playground.state());
    assert.equal(first.backend, "gpu", "this test needs WebGPU (SwiftShader in headless Chromium)");
    await page.evaluate(() => window.playground.step(6));
    // pause() sends the current weights to the predictor at once (steps send at most every ~1 s);
    // once it holds them, the engine's CPU copy of the weights is from this step.
    await page.evaluate(() => window.playground.pause());
    await until(page, () => {
      const p = window.playground.state().predictor;
      return p.version >= p.weightsVersion;
    });
    const before = floats(await page.evaluate(async () => Array.from(await window.playground.exportModel())));
    const lossBefore = await page.evaluate(() => window.playground.state().loss.at(-1));

    await page.evaluate(() => window.playground.injectFault("", "device"));
    // The next step hits the lost device: the engine moves itself to the CPU (that step is not
    // counted; whether step() resolves or rejects with the GPU error is not the point here).
    await page.evaluate(() => window.playground.step(1).catch(() => null));
    const s = await until(page, () => {
      const s = window.playground.state();
      return s.backend === "cpu" ? s : null;
    });
    // The engine's fault message (the banner may show the rejected step's error after it).
    const message = s.fault;
    assert.match(message, /GPU failed .*moved to the CPU with (its weights|the weights from step 6 of this session \(the 1 step after it, the failed one included, lost\))/);
    assert.match(await page.textContent("#backend"), /CPU/);

    const after = floats(await page.evaluate(async () => Array.from(await window.playground.exportModel())));
    assert.equal(after.length, before.length);
    let worst = 0;
    for (let i = 0; i < before.length; i++) worst = Math.max(worst, Math.abs(after[i] - before[i]));
    assert.ok(worst <= 1e-6, `the weights after the loss equal those before it (max |diff| ${worst})`);
    assert.ok(before.some((v, i) => v !== 0 && i > 0), "the weights are real numbers, not a zeroed read");

    // And it trains on from there, on the CPU.
    const more = await page.evaluate(() => window.playground.step(10));
    assert.equal(more.backend, "cpu");
    assert.equal(more.step, s.step + 10);
    assert.ok(more.loss.slice(-10).every(Number.isFinite));
    assert.ok(more.loss.at(-1) < 1.5 * lossBefore + 0.5, `went on from the kept weights: ${lossBefore} -> ${more.loss.at(-1)}`);
    // The failed step is the only error the page reported (it is a rejected step, not a crash).
    app.check();
  } finally {
    await app.close();
  }
});
