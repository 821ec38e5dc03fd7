// 'auto' times the CPU against the WebGPU adapter once per (model, batch, adapter) and the page
// keeps the decision in localStorage (www/js/probe_cache.js): a second visit starts on the
// chosen backend without probing, another batch probes anew, and a cleared storage probes again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { waitForPlayground } from "./harness.mjs";
import { openPlayground } from "./page_helpers.mjs";

const KEY = "gradient-garden.backend-probes";

async function reload(page) {
  await page.reload({ waitUntil: "load" });
  await waitForPlayground(page);
  return page.evaluate(() => window.playground.state());
}

const kept = (page) => page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? "{}"), KEY);

test("the auto backend's probe is kept per model, batch and adapter, and redone once cleared", async () => {
  const app = await openPlayground("#model=mlp&backend=auto&batch=32");
  try {
    const { page } = app;
    const first = await page.evaluate(() => window.playground.state());
    assert.ok(first.probe, "the first visit probes (CI's adapter is SwiftShader)");
    assert.ok(!first.probe.cached);
    assert.equal(first.backend, first.probe.chosen);
    const stored = await kept(page);
    const keys = Object.keys(stored);
    assert.equal(keys.length, 1, `one decision kept: ${keys}`);
    const [model, batch, adapter] = JSON.parse(keys[0]);
    assert.deepEqual([model, batch], ["mlp", 32]);
    assert.ok(typeof adapter === "string" && adapter.length > 0 && adapter !== "none", `adapter ${adapter}`);
    assert.equal(stored[keys[0]].chosen, first.probe.chosen);

    const second = await reload(page);
    assert.equal(second.probe?.cached, true, "the second visit uses the kept decision");
    assert.equal(second.backend, first.probe.chosen);
    assert.equal(second.probe.reason, first.probe.reason);

    // Another batch is another decision.
    const other = await page.evaluate(() => window.playground.configure({ batch: 64 }));
    assert.ok(other.probe && !other.probe.cached, "batch 64 probes");
    assert.equal(Object.keys(await kept(page)).length, 2);

    await page.evaluate(() => localStorage.clear());
    const third = await reload(page);
    assert.ok(third.probe && !third.probe.cached, "a cleared storage probes again");
    assert.equal(Object.keys(await kept(page)).length, 1);
    app.check();
  } finally {
    await app.close();
  }
});
