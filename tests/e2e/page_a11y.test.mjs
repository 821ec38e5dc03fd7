// Every control has an accessible name, and the keyboard reaches all of them in a sensible order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tabOrder, unnamedControls } from "./harness.mjs";
import { openPlayground } from "./page_helpers.mjs";

test("controls are labelled and reachable with Tab", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu");
  try {
    const { page } = app;
    const unnamed = await unnamedControls(page, "input, select, button, canvas#draw, [tabindex]");
    assert.deepEqual(unnamed, [], "controls without an accessible name");

    const seen = await tabOrder(page, 45);
    for (const id of ["draw", "undo", "clear", "model", "backend-select", "optimizer", "lr", "batch", "l2", "shift", "rotate", "val-split", "start", "step", "reset", "evaluate", "export-csv"]) {
      assert.ok(seen.includes(id), `Tab never reaches #${id}: ${seen.join(" ")}`);
    }
    assert.ok(seen.indexOf("draw") < seen.indexOf("model") && seen.indexOf("model") < seen.indexOf("start"), "reading order");

    // The learning-rate slider works from the keyboard and says its value.
    await page.focus("#lr");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    const lr = await page.evaluate(() => new Promise((r) => setTimeout(() => r(window.playground.state().lr), 600)));
    assert.ok(Math.abs(Math.log10(lr) - (-3 + 0.1)) < 0.01, `two steps right of 1e-3 is 10^-2.9, got ${lr}`);
    assert.equal(await page.getAttribute("#lr", "aria-valuetext"), await page.textContent("#lr-value"));
    app.check();
  } finally {
    await app.close();
  }
});
