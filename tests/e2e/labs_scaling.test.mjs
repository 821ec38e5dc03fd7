// The scaling-law lab in the page: a tiny width sweep on the CPU draws its runs one at a time,
// fits L = a N^-alpha + c once three have finished, and Cancel stops between runs keeping the
// finished ones. Bad sizes give a message, not a broken page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openLabs, screenshot, until } from "./labs_helpers.mjs";

test("a width sweep plots each run as it finishes and fits the power law", async () => {
  const app = await openLabs();
  try {
    const { page } = app;
    await page.selectOption("#axis", "mlp");
    await page.selectOption("#scaling-backend", "cpu");
    await page.fill("#sizes", "8, 16, 32");
    await page.fill("#steps", "20");
    // Record the plotted point count every time it changes: points must appear one by one.
    await page.evaluate(() => {
      window.seenCounts = [];
      const c = document.getElementById("scaling-chart");
      new MutationObserver(() => window.seenCounts.push(Number(c.dataset.points))).observe(c, {
        attributes: true,
        attributeFilter: ["data-points"],
      });
      // Every progress text shown, from the mutation records themselves: a 20-step run can pass
      // between two polls, so polling for "run k of 3" could miss it.
      window.seenProgress = [];
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) window.seenProgress.push(n.textContent);
      }).observe(document.getElementById("scaling-progress"), { childList: true, subtree: true, characterData: true });
    });
    await page.click("#scaling-start");
    await until(page, () => /^Done/.test(document.getElementById("scaling-progress").textContent));
    const shown = await page.evaluate(() => window.seenProgress);
    assert.ok(
      shown.some((t) => /run \d of 3: MLP, width \d+ \([\d,]+ parameters\), 20 steps/.test(t)),
      `the progress named each run: ${JSON.stringify(shown.slice(0, 5))}`,
    );

    const seen = await page.evaluate(() => [...new Set(window.seenCounts)]);
    for (const n of [1, 2, 3]) assert.ok(seen.includes(n), `the plot showed ${n} point(s) at some time: ${seen}`);
    assert.equal(await page.getAttribute("#scaling-chart", "data-points"), "3");
    assert.equal(await page.getAttribute("#scaling-chart", "data-curves"), "1", "the fitted curve is drawn");

    const points = await page.evaluate(() => window.labs.state.points);
    assert.deepEqual(points.map((p) => p.width), [8, 16, 32]);
    assert.deepEqual(points.map((p) => p.parameters), [8, 16, 32].map((w) => 784 * w + w + 10 * w + 10));
    // The progress line's count (computed in the page) is the engine's.
    assert.match(await page.textContent("#scaling-table tbody tr:last-child"), /25,450/);
    for (const p of points) {
      assert.equal(p.backend, "cpu");
      assert.equal(p.steps, 20);
      assert.ok(Number.isFinite(p.val_loss) && p.val_loss > 0, `val loss ${p.val_loss}`);
    }
    // Even 20 steps separate width 8 from width 32.
    assert.ok(points[2].val_loss < points[0].val_loss, `w32 ${points[2].val_loss} vs w8 ${points[0].val_loss}`);

    const fit = await page.evaluate(() => window.labs.state.fit);
    assert.ok(fit && fit.alpha > 0, `alpha ${fit?.alpha}`);
    assert.ok(fit.c >= 0 && fit.c < Math.min(...points.map((p) => p.val_loss)));
    const text = await page.textContent("#fit-result");
    assert.match(text, /α = \d\.\d{3}/);
    assert.match(text, /c = \d\.\d{3}/);
    assert.match(text, /R² = -?\d\.\d{3}/);
    assert.ok(text.includes(fit.alpha.toFixed(3)), `${text} shows alpha ${fit.alpha}`);
    // The fitted curve passes near the points it was fitted to (in log L).
    for (const p of points) {
      const predicted = fit.a * p.x ** -fit.alpha + fit.c;
      assert.ok(Math.abs(Math.log(predicted / p.val_loss)) < 0.15, `fit ${predicted} vs ${p.val_loss}`);
    }
    assert.equal(await page.locator("#scaling-table tbody tr").count(), 3);
    await page.locator("#scaling-panel").screenshot({ path: "tests/e2e/artifacts/labs_scaling.png" }).catch(() => {});
    await screenshot(page, "labs_scaling_page.png", { fullPage: true });
    app.check();
  } finally {
    await app.close();
  }
});

test("Cancel stops between runs and keeps the finished points; bad sizes give a message", async () => {
  const app = await openLabs();
  try {
    const { page } = app;
    await page.fill("#sizes", "8, abc");
    await page.click("#scaling-start");
    await until(page, () => !document.getElementById("message").hidden);
    assert.match(await page.textContent("#message-text"), /'abc' is not a whole width/);
    await page.click("#message-close");

    await page.selectOption("#scaling-backend", "cpu");
    await page.fill("#sizes", "16, 32, 64, 128, 256");
    await page.fill("#steps", "150");
    await page.click("#scaling-start");
    await until(page, () => window.labs.state.points.length >= 1);
    await page.click("#scaling-cancel");
    await until(page, () => /^Cancelled after/.test(document.getElementById("scaling-progress").textContent));
    const n = await page.evaluate(() => window.labs.state.points.length);
    assert.ok(n >= 1 && n < 5, `${n} runs finished before the sweep stopped`);
    assert.equal(await page.getAttribute("#scaling-chart", "data-points"), String(n));
    assert.equal(await page.locator("#scaling-table tbody tr").count(), n);
    assert.equal(await page.isEnabled("#scaling-start"), true);
    app.check();
  } finally {
    await app.close();
  }
});

test("asking for the GPU where there is none says so, and the CPU still runs", async () => {
  const app = await openLabs({ webgpu: false });
  try {
    const { page } = app;
    await page.selectOption("#scaling-backend", "gpu");
    await page.fill("#sizes", "8, 16");
    await page.fill("#steps", "10");
    await page.click("#scaling-start");
    await until(page, () => /^Stopped/.test(document.getElementById("scaling-progress").textContent));
    assert.match(await page.textContent("#message-text"), /The sweep failed: .*GPU/i);
    assert.equal(await page.evaluate(() => window.labs.state.points.length), 0);
    assert.equal(await page.isEnabled("#scaling-start"), true);

    await page.selectOption("#scaling-backend", "cpu");
    await page.click("#scaling-start");
    await until(page, () => /^Done: 2 runs on the CPU/.test(document.getElementById("scaling-progress").textContent));
    assert.equal(await page.getAttribute("#scaling-chart", "data-points"), "2");
    assert.match(await page.textContent("#fit-result"), /Needs at least 3 finished runs \(2 so far\)/);
    // The failed GPU run is reported on the page, not as a console error.
    app.check();
  } finally {
    await app.close();
  }
});
