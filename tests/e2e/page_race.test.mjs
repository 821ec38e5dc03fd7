// Races in the page: two runs with identical settings train identical curves (same initial
// weights, same batch order); the table has a row per run; a row becomes the main run; the
// race's setup is kept in the address.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, until } from "./page_helpers.mjs";

test("identical race runs give identical curves; a row becomes the main run", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu&lr=0.003");
  try {
    const { page } = app;
    const rows = await page.evaluate(() =>
      window.playground.race([{ name: "a", lr: 0.01, optimizer: "momentum" }, { name: "b", lr: 0.01, optimizer: "momentum" }], { steps: 48, target: 0.5, evalEvery: 16, testLimit: 500 }),
    );
    assert.equal(rows.length, 2);
    const curves = await page.evaluate(() => window.playground.raceCurves());
    assert.equal(curves[0].loss.length, 48);
    assert.deepEqual(curves[1].loss, curves[0].loss, "same weights and batches: the same losses step for step");
    assert.deepEqual(curves[1].val, curves[0].val);
    assert.equal(rows[0].finalTestAccuracy, rows[1].finalTestAccuracy);
    assert.equal(rows[0].bestValLoss, rows[1].bestValLoss);
    assert.ok(rows[0].stepsToTarget !== null && rows[0].stepsToTarget % 16 === 0, JSON.stringify(rows[0]));
    await until(page, () => document.querySelectorAll("#race-table tbody tr").length === 2);

    // Another run differs (else the comparison above proves nothing).
    const other = await page.evaluate(() =>
      window.playground.race([{ lr: 0.01, optimizer: "momentum" }, { lr: 0.001, optimizer: "sgd" }], { steps: 16, testLimit: 200 }),
    );
    const c2 = await page.evaluate(() => window.playground.raceCurves());
    assert.notDeepEqual(c2[1].loss, c2[0].loss);
    assert.equal(other[1].name, "sgd lr 0.001");

    await page.click("#race-table tbody tr:nth-child(2) button");
    await until(page, () => window.playground.state().optimizer.kind === "sgd");
    const s = await page.evaluate(() => window.playground.state());
    assert.equal(s.lr, 0.001);
    await assert.rejects(page.evaluate(() => window.playground.race([{ lr: 0.1 }], { steps: 8 })), /2 to 4 configurations/);
    await assert.rejects(page.evaluate(() => window.playground.race([{ lr: 0.1 }, { lr: -1 }], { steps: 8 })), /learning rate -1/);

    // A long race stops on request, with rows for the steps it trained.
    const stopped = await page.evaluate(async () => {
      const racing = window.playground.race([{ lr: 0.01 }, { lr: 0.001 }], { steps: 100000, testLimit: 100 });
      await new Promise((r) => setTimeout(r, 500));
      await window.playground.raceStop();
      return await racing;
    });
    assert.ok(stopped[0].steps < 100000 && stopped[0].steps === stopped[1].steps, JSON.stringify(stopped));

    await page.selectOption("#race-preset", "rates");
    await until(page, () => decodeURIComponent(location.hash).includes('race={"preset":"rates"'));
    app.check();
  } finally {
    await app.close();
  }
});
