// Keep and share: a saved model loads back with the same predictions; a corrupt or truncated file
// is refused with a clear message and the current model keeps working; the URL hash round-trips
// the settings and a malformed one falls back to the defaults with a message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, until } from "./page_helpers.mjs";

// A fixed "digit": a thick diagonal bar, so predictions are comparable across loads.
const probe = Array.from({ length: 784 }, (_, i) => (Math.abs((i % 28) - Math.floor(i / 28)) < 2 ? 1 : 0));

const close = (a, b, tol = 1e-5) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < tol);

test("save -> load restores the model; a corrupt file is refused and the page keeps working", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu");
  try {
    const { page } = app;
    await page.evaluate(() => window.playground.start());
    await until(page, () => window.playground.state().step >= 40);
    await page.evaluate(() => window.playground.pause());
    const trained = await page.evaluate((x) => window.playground.predict(x), probe);
    const saved = await page.evaluate(async () => Array.from(await window.playground.exportModel()));
    assert.ok(saved.length > 100_000, `an MLP file holds ~400 kB, got ${saved.length} bytes`);
    const before = await page.evaluate(() => window.playground.state());

    // Garbage, then a truncated real file: both refused, visibly, with nothing changed.
    for (const [name, bytes] of [
      ["garbage.safetensors", Buffer.from("this is not a safetensors file at all")],
      ["truncated.safetensors", Buffer.from(saved.slice(0, saved.length >> 1))],
    ]) {
      await page.setInputFiles("#load-model", { name, mimeType: "application/octet-stream", buffer: bytes });
      await until(page, () => !document.getElementById("message").hidden);
      const msg = await page.textContent("#message-text");
      assert.match(msg, /Could not load that model file: .+\. The current model is unchanged\./);
      const after = await page.evaluate(() => window.playground.state());
      assert.equal(after.parameters, before.parameters);
      assert.deepEqual(after.model, before.model);
      assert.equal(after.step, before.step, "the session was not replaced");
      assert.ok(close(await page.evaluate((x) => window.playground.predict(x), probe), trained), "same predictions");
      await page.click("#message-close");
    }
    // It still trains.
    await page.evaluate(() => window.playground.step(3));
    assert.ok((await page.evaluate(() => window.playground.state().step)) >= before.step + 3);

    // Reset gives fresh weights; loading the saved file brings the trained ones back.
    await page.evaluate(() => window.playground.reset());
    const fresh = await page.evaluate((x) => window.playground.predict(x), probe);
    assert.ok(!close(fresh, trained, 1e-3), "reset changed the weights");
    await page.setInputFiles("#load-model", {
      name: "saved.safetensors",
      mimeType: "application/octet-stream",
      buffer: Buffer.from(saved),
    });
    await until(page, () => /Loaded the weights/.test(document.getElementById("message-text").textContent));
    assert.ok(close(await page.evaluate((x) => window.playground.predict(x), probe), trained), "restored predictions");
    app.check();
  } finally {
    await app.close();
  }
});

test("settings round-trip through the URL hash; a malformed hash gives defaults and a message", async () => {
  const good = "#model=mlp&backend=cpu&opt=momentum&lr=0.02&batch=32&l2=0.0001&shift=1&rotate=10&val=0.2";
  let app = await openPlayground(good);
  try {
    const { page } = app;
    const s = await page.evaluate(() => window.playground.state());
    assert.equal(s.backend, "cpu");
    assert.equal(s.batch, 32);
    assert.equal(s.optimizer.kind, "momentum");
    assert.equal(s.lr, 0.02);
    assert.equal(s.optimizer.weight_decay, 0.0001);
    assert.deepEqual(s.augment, { shift: 1, rotate: 10 });
    assert.equal(s.validation, 0.2);
    assert.equal(await page.inputValue("#batch"), "32");
    assert.equal(await page.inputValue("#optimizer"), "momentum");
    assert.equal(await page.textContent("#lr-value"), "0.02");
    assert.equal(await page.evaluate(() => location.hash), good);
    assert.ok(await page.locator("#message").isHidden());
    app.check();
  } finally {
    await app.close();
  }
  app = await openPlayground("#model=mlp&backend=cpu&lr=banana&batch=-3");
  try {
    const { page } = app;
    assert.ok(await page.locator("#message").isVisible());
    assert.match(await page.textContent("#message-text"), /could not be read .*using the defaults/);
    const s = await page.evaluate(() => window.playground.state());
    assert.equal(s.lr, 0.001);
    assert.equal(s.batch, 64);
    assert.match(await page.evaluate(() => location.hash), /lr=0\.001/);
    app.check();
  } finally {
    await app.close();
  }
});

test("a file for another architecture builds a new session for it", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu");
  try {
    const { page } = app;
    const conv = {
      input: [1, 28, 28],
      layers: [
        { type: "conv2d", filters: 4, kernel: 3, padding: "valid" },
        { type: "relu" },
        { type: "max_pool2d", size: 2 },
        { type: "flatten" },
        { type: "dense", units: 10 },
      ],
      loss: "softmax_cross_entropy",
    };
    await page.evaluate((spec) => window.playground.configure({ model: spec }), conv);
    await page.evaluate(() => window.playground.step(5));
    const convPred = await page.evaluate((x) => window.playground.predict(x), probe);
    const bytes = await page.evaluate(async () => Array.from(await window.playground.exportModel()));
    await page.evaluate(() => window.playground.configure({ model: "mlp" }));
    assert.equal((await page.evaluate(() => window.playground.state())).model, "mlp");
    await page.evaluate((b) => window.playground.loadModel(new Uint8Array(b)), bytes);
    const s = await page.evaluate(() => window.playground.state());
    assert.deepEqual(s.spec.layers, conv.layers);
    assert.equal(s.parameters, 4 * 9 + 4 + 4 * 13 * 13 * 10 + 10);
    assert.equal(await page.inputValue("#model"), "custom");
    assert.match(await page.evaluate(() => location.hash), /model=custom&spec=/);
    assert.ok(close(await page.evaluate((x) => window.playground.predict(x), probe), convPred), "the file's weights are in use");
    app.check();
  } finally {
    await app.close();
  }
});
