// Watch: a test run fills the confusion matrix consistently with the engine's evaluation, and a
// misclassified example, clicked, becomes the model's input and gets the same wrong answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, until } from "./page_helpers.mjs";

test("test evaluation -> confusion matrix, per-class scores, clickable mistakes", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu&lr=0.003");
  try {
    const { page } = app;
    await page.evaluate(() => window.playground.step(150));
    await page.click("#evaluate");
    await until(page, () => /on 10000 t10k/.test(document.getElementById("test-result").textContent));
    const ev = await page.evaluate(() => window.playground.state().testHistory.at(-1));
    assert.equal(ev.n, 10000);
    assert.ok(ev.accuracy > 0.8, `150 steps of the MLP reach >80% on t10k, got ${ev.accuracy}`);

    const cells = await page.$$eval(".confusion tbody tr", (rows) =>
      rows.map((r) => [...r.querySelectorAll("td")].map((td) => Number(td.textContent))),
    );
    assert.equal(cells.length, 10);
    const counts = cells.map((r) => r.slice(0, 10));
    const total = counts.flat().reduce((a, b) => a + b, 0);
    const diag = counts.reduce((a, r, i) => a + r[i], 0);
    assert.equal(total, 10000);
    assert.ok(Math.abs(diag / total - ev.accuracy) < 1e-4, "diagonal = accuracy");
    for (let c = 0; c < 10; c++) {
      const tp = counts[c][c];
      const precision = tp / counts.reduce((a, r) => a + r[c], 0);
      const recall = tp / counts[c].reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(cells[c][10] - precision) < 6e-4, `precision of ${c}`);
      assert.ok(Math.abs(cells[c][11] - recall) < 6e-4, `recall of ${c}`);
      assert.ok(Math.abs(cells[c][12] - (2 * precision * recall) / (precision + recall)) < 6e-4, `F1 of ${c}`);
    }

    await page.click("#mistakes-box summary");
    await until(page, () => document.querySelectorAll("#mistakes button").length > 0);
    const title = await page.getAttribute("#mistakes button >> nth=0", "title");
    const [, index, label, pred] = title.match(/test image (\d+): a (\d) classified as (\d)/);
    await page.click("#mistakes button >> nth=0");
    await until(page, () => !window.playground.state().predictionPending);
    assert.equal(await page.textContent("#input-source"), `test image #${index} (label ${label})`);
    await until(page, (p) => document.getElementById("prediction").textContent === p, pred);
    assert.notEqual(pred, label);
    app.check();
  } finally {
    await app.close();
  }
});
