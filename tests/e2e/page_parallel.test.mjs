// Two workers train one model on the CPU backend (www/workers/parallel.js + www/workers/grad.js):
// a run split across both equals a one-worker run step for step (same seed, same batches,
// augmentation and dropout: the logged losses and the final weights agree to float rounding),
// the page says how many workers train, a helper that fails mid-run leaves the run unchanged in
// one worker, and the GPU backend stays in one worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, until } from "./page_helpers.mjs";
import { assertNoErrors, launchChromium, openPage, startSite, waitForPlayground } from "./harness.mjs";

// Conv, pooling and dropout in both halves of the net: masks must follow each sample's position
// in the whole batch, wherever its part is computed.
const SPEC = {
  input: [1, 28, 28],
  layers: [
    { type: "conv2d", filters: 4, kernel: 3, padding: "valid" },
    { type: "relu" },
    { type: "max_pool2d", size: 2 },
    { type: "dropout", rate: 0.25 },
    { type: "flatten" },
    { type: "dense", units: 32 },
    { type: "relu" },
    { type: "dropout", rate: 0.5 },
    { type: "dense", units: 10 },
  ],
  loss: "softmax_cross_entropy",
};
// Shift and rotation on: each sample's transform travels with the plan.
const SETTINGS = { model: SPEC, backend: "cpu", batch: 32, seed: 11, lr: 0.003, shift: 2, rotate: 10 };
const STEPS = 12;

/** The weights as one Float32Array (the .safetensors data after its header). */
async function weights(page) {
  const bytes = Uint8Array.from(await page.evaluate(async () => Array.from(await window.playground.exportModel())));
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const data = bytes.slice(8 + headerLen);
  return new Float32Array(data.buffer, 0, data.length / 4);
}

/** A fresh model from SETTINGS (same seed: same initial weights, same batches) in `workers`. */
async function freshRun(page, workers) {
  // Runs compared step for step train on the same set: the full one, once it has streamed in
  // (a run started on the first slice would draw other batches).
  await until(page, () => window.playground.state().data.done);
  await page.evaluate((s) => window.playground.configure(s), { ...SETTINGS, workers });
  const s = await page.evaluate(() => window.playground.reset());
  assert.equal(s.step, 0);
  if (workers !== "auto") assert.equal(s.workers, workers, `state().workers after asking for ${workers}`);
  assert.equal(s.workersSetting, workers);
  return s;
}

function assertSameLosses(one, two, what) {
  assert.equal(two.length, one.length, `${what}: ${two.length} losses vs ${one.length}`);
  for (let i = 0; i < one.length; i++) {
    const tol = 1e-5 * Math.max(1, Math.abs(one[i]));
    assert.ok(Math.abs(one[i] - two[i]) <= tol, `${what}: step ${i} loss ${two[i]}, one worker ${one[i]}`);
  }
  // Dropout on, lr 0.003: the losses move step to step, so equality is no accident.
  assert.ok(new Set(one.map((l) => l.toFixed(4))).size > one.length / 2, "the losses vary");
}

function maxDiff(a, b) {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test("two workers train exactly the steps one worker trains, and the page says 2 workers", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu");
  try {
    const { page } = app;
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const s0 = await page.evaluate(() => window.playground.state());
    // Two cores or more: 'auto', which trains with two until it has timed one as faster.
    assert.equal(s0.workersSetting, cores >= 2 ? "auto" : 1, `the default on ${cores} cores`);
    assert.equal(s0.workers, cores >= 2 ? 2 : 1);

    await freshRun(page, 1);
    assert.match(await page.textContent("#backend"), /CPU.*1 worker\b/);
    const one = await page.evaluate((n) => window.playground.step(n), STEPS);
    const w1 = await weights(page);

    await freshRun(page, 2);
    assert.match(await page.textContent("#backend"), /CPU.*2 workers/);
    const two = await page.evaluate((n) => window.playground.step(n), STEPS);
    const w2 = await weights(page);
    assert.equal(two.workers, 2, "both workers trained");
    // scripts/serve.mjs makes the page cross-origin isolated: the parts travel in shared memory.
    assert.equal(two.workersHandover, "shared");
    assertSameLosses(one.loss, two.loss, "step(12)");
    // Adam moves each weight by about lr per step; a wrong mask, transform or part weighting
    // shows at that size, rounding far below it.
    const d = maxDiff(w1, w2);
    assert.ok(d < 1e-4, `weights after ${STEPS} steps differ by up to ${d}`);
    assert.ok(maxDiff(w1, new Float32Array(w1.length)) > 0.01, "the weights are not all ~0");

    // The training loop (adaptive chunks, yields between them) splits steps the same way.
    await freshRun(page, 2);
    await page.evaluate(() => window.playground.start());
    await until(page, (n) => window.playground.state().step >= n, 2 * STEPS);
    await page.evaluate(() => window.playground.pause());
    const looped = await page.evaluate(() => window.playground.state());
    assert.ok(looped.samplesPerSec > 0);
    // 'auto' times both counts in the loop and switches between them: still the same run.
    await freshRun(page, "auto");
    await page.evaluate(() => window.playground.start());
    await until(page, (n) => window.playground.state().step >= n, 4 * STEPS);
    await page.evaluate(() => window.playground.pause());
    const auto = await page.evaluate(() => window.playground.state());
    assert.ok([1, 2].includes(auto.workers));
    assert.match(await page.textContent("#backend"), /[12] workers? \(auto\)/);
    await freshRun(page, 1);
    const reference = await page.evaluate((n) => window.playground.step(n), Math.max(looped.step, auto.step));
    assertSameLosses(reference.loss.slice(0, looped.step), looped.loss, "start()/pause()");
    assertSameLosses(reference.loss.slice(0, auto.step), auto.loss, "start()/pause() under 'auto'");
    app.check();
  } finally {
    await app.close();
  }
});

test("a second worker that fails mid-run: training goes on in one worker, same steps, with a message", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu");
  try {
    const { page } = app;
    await freshRun(page, 1);
    const one = await page.evaluate((n) => window.playground.step(n), STEPS);

    await freshRun(page, 2);
    await page.evaluate(() => window.playground.step(5));
    await page.evaluate(() => window.playground.injectFault("simulated helper crash", "helper"));
    const s = await page.evaluate((n) => window.playground.step(n), STEPS - 5);
    assert.equal(s.workers, 1, "state() says one worker trains now");
    assert.match(await page.textContent("#backend"), /1 worker\b/);
    assert.ok(await page.locator("#message").isVisible());
    assert.match(await page.textContent("#message-text"), /second training worker stopped \(simulated helper crash\)/);
    // The failed step was finished here: the run is the one-worker run.
    assertSameLosses(one.loss, s.loss, "with a helper failure at step 5");

    // Asking for two workers again starts a new helper.
    const again = await page.evaluate(() => window.playground.configure({ workers: 2 }));
    assert.equal(again.workers, 2);
    const more = await page.evaluate(() => window.playground.step(3));
    assert.equal(more.step, STEPS + 3);
    assert.ok(more.loss.every(Number.isFinite));
    await assert.rejects(page.evaluate(() => window.playground.configure({ workers: 3 })), /workers must be 1, 2 or 'auto'/);
    app.check();
  } finally {
    await app.close();
  }
});

test("a page that is not cross-origin isolated hands the parts over by message: same steps", async () => {
  const site = await startSite();
  const browser = await launchChromium({ webgpu: false });
  try {
    // The page without COOP/COEP (as another static server would send it): no SharedArrayBuffer.
    await browser.context.route(
      (url) => url.pathname === "/" || url.pathname.endsWith(".html"),
      async (route) => {
        const response = await route.fetch();
        const headers = { ...response.headers() };
        delete headers["cross-origin-opener-policy"];
        delete headers["cross-origin-embedder-policy"];
        await route.fulfill({ response, headers });
      },
    );
    const { page, errors, logs } = await openPage(browser, `${site.url}#model=mlp&backend=cpu`);
    await waitForPlayground(page);
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    await freshRun(page, 1);
    const one = await page.evaluate((n) => window.playground.step(n), STEPS);
    await freshRun(page, 2);
    const two = await page.evaluate((n) => window.playground.step(n), STEPS);
    assert.equal(two.workers, 2);
    assert.equal(two.workersHandover, "message");
    assertSameLosses(one.loss, two.loss, "step(12) by message");
    assertNoErrors(errors, logs);
  } finally {
    await browser.close();
    await site.close();
  }
});

test("the GPU backend trains in one worker", async () => {
  const app = await openPlayground("#model=mlp&backend=gpu");
  try {
    const { page } = app;
    const s = await page.evaluate(() => window.playground.configure({ workers: 2 }));
    assert.equal(s.backend, "gpu");
    assert.equal(s.workers, 1);
    assert.doesNotMatch(await page.textContent("#backend"), /worker/);
    const t = await page.evaluate(() => window.playground.step(2));
    assert.equal(t.step, 2);
    // Back on the CPU the second worker joins in.
    const c = await page.evaluate(() => window.playground.configure({ backend: "cpu" }));
    assert.equal(c.workers, 2);
    app.check();
  } finally {
    await app.close();
  }
});
