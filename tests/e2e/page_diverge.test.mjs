// Divergence that is not a NaN, in the page: Adam at the largest rate the settings allow (10)
// sends the MLP's loss to thousands, all finite. The engine (src/trainer/divergence.rs) stops
// it; the page pauses with a distinct fault kind, shows the engine's message with what to try,
// and the weights in place are the rolled-back ones (validation loss near the start again). A
// noisy but healthy run (batch 16, SGD at a high but sane rate) is left alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, until, mean } from "./page_helpers.mjs";

test("Adam at lr 10 pauses by itself as diverged, rolled back; a noisy healthy run goes on", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu");
  try {
    const { page } = app;
    await page.evaluate(() => window.playground.configure({ optimizer: "adam", lr: 10, batch: 32 }));
    await page.evaluate(() => window.playground.start());
    const s = await until(page, () => {
      const s = window.playground.state();
      return s.fault && !s.training ? s : null;
    });
    assert.match(s.fault, /^training diverged: .*Try a learning rate about ten times lower than 10/);
    assert.ok(s.step < 400, `caught within a few hundred steps (step ${s.step})`);
    assert.ok(await page.locator("#message").isVisible());
    assert.match(await page.textContent("#message-text"), /Training paused: training diverged: .*weights are back to the last healthy ones/);
    assert.equal(await page.isDisabled("#start"), false, "Train can be pressed again");
    // The weights in place are the healthy ones: the loss is near where the run started, not
    // the thousands it reached.
    const worst = Math.max(...s.loss);
    const after = await page.evaluate(() => window.playground.evaluate("validation", 500));
    assert.ok(worst > 10, `it did diverge (highest loss ${worst})`);
    assert.ok(after.loss < 3, `validation loss ${after.loss} after the rollback`);
    console.log(`diverged: caught at step ${s.step}, highest loss ${worst.toFixed(1)}, validation loss after ${after.loss.toFixed(3)}`);

    // A noisy run at a high but sane rate: single batches spike, the run must not be stopped.
    await page.evaluate(() => window.playground.configure({ optimizer: "sgd", lr: 0.5, batch: 16 }));
    await page.evaluate(() => window.playground.reset());
    await page.evaluate(() => window.playground.start());
    await until(page, () => window.playground.state().step >= 400 || !window.playground.state().training);
    await page.evaluate(() => window.playground.pause());
    const h = await page.evaluate(() => window.playground.state());
    assert.equal(h.fault, null, `a healthy run was stopped: ${h.fault}`);
    assert.ok(h.step >= 400);
    const late = mean(h.loss.slice(-100));
    console.log(`healthy: ${h.step} steps, mean of the last 100 losses ${late.toFixed(3)}, highest ${Math.max(...h.loss).toFixed(2)}`);
    assert.ok(late < 1, `it learned (${late})`);
    app.check();
  } finally {
    await app.close();
  }
});
