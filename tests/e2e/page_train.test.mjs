// The playground trains: forced onto the CPU through window.playground.configure, the loss falls;
// a learning-rate change made with the #lr slider mid-training reaches the worker (state().lr and
// the lr the metrics report).
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, until, mean } from "./page_helpers.mjs";

test("configure({backend:'cpu'}) trains the MLP and the loss falls", async () => {
  const app = await openPlayground("#model=mlp&backend=auto");
  try {
    const { page } = app;
    const s0 = await page.evaluate(() => window.playground.configure({ backend: "cpu", model: "mlp", lr: 0.003 }));
    assert.equal(s0.backend, "cpu");
    assert.equal(s0.step, 0);
    assert.match(await page.textContent("#backend"), /CPU/);
    await page.click("#start");
    await until(page, () => window.playground.state().step >= 80);
    await page.click("#pause");
    const s = await until(page, () => (window.playground.state().training ? null : window.playground.state()));
    assert.equal(s.training, false);
    assert.equal(s.backend, "cpu");
    assert.ok(s.loss.every(Number.isFinite), "every loss is finite");
    const first = mean(s.loss.slice(0, 10));
    const last = mean(s.loss.slice(-10));
    assert.ok(s.loss[0] > 1.8, `an untrained 10-way classifier starts near ln 10, got ${s.loss[0]}`);
    assert.ok(last < 0.6 * first, `loss fell from ${first} to ${last}`);
    assert.ok(s.samplesPerSec > 0);
    // The page shows what it trained.
    assert.equal(Number(await page.textContent("#step-count")), s.step);
    // Paused means paused: no more steps arrive.
    await page.waitForTimeout(800);
    assert.equal((await page.evaluate(() => window.playground.state())).step, s.step);
    app.check();
  } finally {
    await app.close();
  }
});

test("moving #lr mid-training changes the rate the worker trains with", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu&lr=0.001");
  try {
    const { page } = app;
    assert.equal(await page.evaluate(() => window.playground.state().lr), 0.001);
    await page.evaluate(() => window.playground.start());
    await until(page, () => window.playground.state().step >= 10);
    // Drag the log-scale slider to 10^-2 the way a user would (input, then change).
    await page.$eval("#lr", (el) => {
      el.value = "-2";
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
    assert.equal(await page.textContent("#lr-value"), "0.01");
    await until(page, () => window.playground.state().lr === 0.01);
    // The worker's own per-step record of the rate it trained with switches to the new value.
    const s = await until(page, () => {
      const s = window.playground.state();
      return s.lastMetrics && Math.abs(s.lastMetrics.lr - 0.01) < 1e-6 && s.lrChanges.length > 0 ? s : null;
    });
    await page.evaluate(() => window.playground.pause());
    const mark = s.lrChanges[s.lrChanges.length - 1];
    assert.equal(mark.lr, 0.01);
    assert.ok(mark.step >= 10, `the change is marked where it happened (step ${mark.step})`);
    assert.match(await page.evaluate(() => location.hash), /lr=0\.01(&|$)/);
    const csv = await page.evaluate(() => window.playground.curvesCsv());
    const rows = csv.trim().split("\n").slice(1).filter((r) => r.startsWith("train,")).map((r) => r.split(","));
    const before = rows.filter((r) => Number(r[1]) < mark.step);
    const after = rows.filter((r) => Number(r[1]) >= mark.step);
    assert.ok(before.length >= 10 && before.every((r) => Math.abs(Number(r[5]) - 0.001) < 1e-7), "steps before the mark ran at 0.001");
    assert.ok(after.length > 0 && after.every((r) => Math.abs(Number(r[5]) - 0.01) < 1e-7), "steps from the mark on ran at 0.01");
    app.check();
  } finally {
    await app.close();
  }
});

test("a diverging run pauses with the engine's message and the model keeps working", async () => {
  // Linear model + MSE + SGD at lr 10: the loss grows ~100x per step and overflows within ~10.
  const app = await openPlayground("#model=mlp&backend=cpu");
  try {
    const { page } = app;
    const spec = { input: [784], layers: [{ type: "dense", units: 10 }], loss: "mse" };
    await page.evaluate((spec) => window.playground.configure({ model: spec, optimizer: "sgd", lr: 10 }), spec);
    await page.evaluate(() => window.playground.start());
    const s = await until(page, () => {
      const s = window.playground.state();
      return s.fault && !s.training ? s : null;
    });
    assert.match(s.fault, /infinite|NaN/);
    assert.ok(await page.locator("#message").isVisible());
    assert.match(await page.textContent("#message-text"), /Training paused: .*(infinite|NaN)/);
    assert.equal(await page.isDisabled("#start"), false, "Train can be pressed again");
    // The rolled-back model still answers with finite probabilities.
    const p = await page.evaluate(() => window.playground.predict(new Array(784).fill(0.5)));
    assert.ok(p.every(Number.isFinite));
    app.check();
  } finally {
    await app.close();
  }
});

test("on WebGPU (SwiftShader here) the page trains too", async () => {
  const app = await openPlayground("#model=mlp&backend=gpu&lr=0.003");
  try {
    const { page } = app;
    const s0 = await page.evaluate(() => window.playground.state());
    assert.equal(s0.backend, "gpu");
    assert.match(await page.textContent("#backend"), /WebGPU/);
    // SwiftShader runs a step in about half a second: a short run, driven step by step.
    await page.evaluate(() => window.playground.step(12));
    const s = await page.evaluate(() => window.playground.step(12));
    assert.equal(s.loss.length, 24);
    assert.ok(s.loss.every(Number.isFinite));
    assert.ok(s.loss[0] > 1.8, `starts near ln 10: ${s.loss[0]}`);
    assert.ok(mean(s.loss.slice(-4)) < 0.75 * s.loss[0], `loss fell: ${s.loss[0]} -> ${s.loss.slice(-4)}`);
    assert.equal(Number(await page.textContent("#step-count")), 24);
    app.check();
  } finally {
    await app.close();
  }
});

test("switching backend or optimizer mid-run keeps the weights and continues the curves", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu&lr=0.003");
  try {
    const { page } = app;
    await page.evaluate(() => window.playground.step(60));
    const before = await page.evaluate(() => window.playground.state());
    await page.selectOption("#optimizer", "momentum");
    await until(page, () => window.playground.state().optimizer.kind === "momentum");
    const s = await page.evaluate(() => window.playground.step(5));
    assert.equal(s.optimizer.kind, "momentum");
    assert.equal(s.step, before.step + 5, "step numbering continues");
    assert.equal(s.loss.length, before.loss.length + 5, "the history is kept");
    const early = before.loss[0];
    assert.ok(mean(s.loss.slice(-5)) < 0.6 * early, `trained weights kept: ${early} -> ${s.loss.slice(-5)}`);
    assert.match(await page.evaluate(() => location.hash), /opt=momentum/);
    app.check();
  } finally {
    await app.close();
  }
});

test("when the GPU fails mid-run, training moves to the CPU with a message", async () => {
  const app = await openPlayground("#model=mlp&backend=gpu&lr=0.003");
  try {
    const { page } = app;
    await page.evaluate(() => window.playground.start());
    await until(page, () => window.playground.state().step >= 3);
    // The engine's error for a lost device is a GPU error; the worker gets one at its next cycle.
    await page.evaluate(() => window.playground.injectFault("GPU error: the device was lost (simulated)"));
    const s = await until(page, () => {
      const s = window.playground.state();
      return s.backend === "cpu" ? s : null;
    });
    assert.ok(await page.locator("#message").isVisible());
    assert.match(await page.textContent("#message-text"), /GPU failed .*moved to the CPU/);
    assert.match(await page.textContent("#backend"), /CPU/);
    assert.match(await page.evaluate(() => location.hash), /backend=cpu/);
    // It keeps training, on the CPU, from where the GPU left off.
    const after = await until(page, (n) => {
      const t = window.playground.state();
      return t.step >= n + 20 ? t : null;
    }, s.step);
    await page.evaluate(() => window.playground.pause());
    assert.equal(after.backend, "cpu");
    assert.ok(after.loss.every(Number.isFinite));
    assert.ok(mean(after.loss.slice(-10)) < 0.8 * after.loss[0], "the weights were carried over and keep learning");
    app.check();
  } finally {
    await app.close();
  }
});
