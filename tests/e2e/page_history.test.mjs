// Training through time in the page: a learning-rate schedule applied step by step (and kept in
// the address), the kept snapshots listed with their memory, a past step shown by the predictor
// exactly as it was (its saliency map equals the one computed live at that step, bit for bit),
// resuming from a step retaking the original steps (losses equal, the old branch kept), and
// the scrubber driven by the keyboard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, until } from "./page_helpers.mjs";

// A blocky "7" in 28x28, values in [0, 1].
const SEVEN = Array.from({ length: 784 }, (_, i) => {
  const [y, x] = [Math.floor(i / 28), i % 28];
  return (y >= 6 && y <= 8 && x >= 8 && x <= 20) || (x >= 16 - (y - 8) / 2 && x <= 19 - (y - 8) / 2 && y > 8 && y <= 22) ? 1 : 0;
});

test("a schedule sets each step's rate and travels in the address", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu&lr=0.01");
  try {
    const { page } = app;
    await page.evaluate(() => window.playground.configure({ workers: 1, schedule: { kind: "step", every: 5, gamma: 0.5 } }));
    const s = await page.evaluate(() => window.playground.step(12));
    assert.deepEqual(s.schedule, { kind: "step", every: 5, gamma: 0.5 });
    const rows = (await page.evaluate(() => window.playground.curvesCsv()))
      .trim().split("\n").slice(1).filter((l) => l.startsWith("train,")).map((l) => l.split(","));
    assert.equal(rows.length, 12);
    for (const r of rows) {
      const [step, lr] = [Number(r[1]), Number(r[5])];
      const want = 0.01 * 0.5 ** Math.floor(step / 5);
      assert.ok(Math.abs(lr - want) <= 1e-6 * want, `step ${step}: lr ${lr}, want ${want}`);
    }
    assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /schedule=\{"kind":"step","every":5,"gamma":0.5\}/);
    // A live rate is the schedule's new base.
    await page.evaluate(() => window.playground.setLearningRate(0.1));
    const last = await page.evaluate(async () => (await window.playground.step(1)).lastMetrics);
    assert.ok(Math.abs(last.lr - 0.1 * 0.5 ** 2) < 1e-8, `step 12 at 0.1 x 0.25, got ${last.lr}`);
    await assert.rejects(page.evaluate(() => window.playground.configure({ schedule: { kind: "cosine", steps: 0 } })), /steps 0/);
    // Early stopping is a live setting, shown by its control and kept in the address.
    const es = await page.evaluate(async () => (await window.playground.configure({ earlyStop: { patience: 2 } })).earlyStop);
    assert.deepEqual(es, { patience: 2, restore: true });
    assert.equal(await page.isChecked("#early-stop"), true);
    assert.match(await page.evaluate(() => location.hash), /earlystop=2/);
    app.check();
  } finally {
    await app.close();
  }
});

test("snapshots: view a past step exactly, resume from it, scrub with the keyboard", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu&lr=0.003");
  try {
    const { page } = app;
    await page.evaluate(() => window.playground.configure({ workers: 1 }));
    const saliency = () => page.evaluate((pixels) => window.playground.saliency({ method: "gradient", target: 7, pixels }), SEVEN);
    // One step per cycle: early on every step is kept.
    let atTen = null;
    for (let i = 0; i < 24; i++) {
      await page.evaluate(() => window.playground.step(1));
      if (i === 9) atTen = await saliency();
    }
    const original = await page.evaluate(() => window.playground.state().loss);
    const kept = await page.evaluate(() => window.playground.history());
    assert.equal(kept[0].step, 0);
    assert.ok(kept.some((p) => p.step === 10), JSON.stringify(kept));
    assert.equal(kept.at(-1).step, 24);
    const mem = await page.evaluate(() => window.playground.state().snapshots);
    assert.ok(mem.bytes > 0 && mem.bytes <= mem.capBytes && mem.count === kept.length, JSON.stringify(mem));

    const view = await page.evaluate(() => window.playground.viewStep(10));
    assert.equal(view.step, 10);
    assert.deepEqual(await saliency(), atTen, "the viewed step's map equals the one computed live at step 10");
    assert.equal(await page.evaluate(() => window.playground.viewStep(null)), null);
    assert.notDeepEqual(await saliency(), atTen, "live again: step 24's weights");

    const resumed = await page.evaluate(() => window.playground.resumeFrom(10));
    assert.equal(resumed.step, 10);
    assert.equal(resumed.branches, 1);
    const again = await page.evaluate(async () => (await window.playground.step(14)).loss);
    assert.deepEqual(again, original, "the resumed run retakes steps 10..23 with the same losses");

    // The scrubber: focus the chart, ← steps back through the kept snapshots, End returns.
    await page.focus("#loss-chart");
    await page.keyboard.press("ArrowLeft");
    const newest = (await page.evaluate(() => window.playground.history())).at(-1).step;
    await until(page, (s) => window.playground.state().view?.step === s, newest);
    await page.keyboard.press("ArrowLeft");
    const before = (await page.evaluate(() => window.playground.history())).at(-2).step;
    await until(page, (s) => window.playground.state().view?.step === s, before);
    assert.equal(await page.getAttribute("#loss-chart", "aria-valuenow"), String(before));
    await page.keyboard.press("End");
    await until(page, () => window.playground.state().view === null);

    // Pointer: pressing on the chart's left edge shows the first kept step; a drag moves on.
    const box = await page.locator("#loss-chart").boundingBox();
    await page.mouse.move(box.x + 47, box.y + box.height / 2);
    await page.mouse.down();
    await until(page, () => window.playground.state().view?.step === 0);
    await page.mouse.move(box.x + box.width - 11, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    // The right edge is the chart's last step (23, or 24 when a validation point sits there).
    await until(page, (s) => window.playground.state().view?.step >= s - 1, newest);
    await page.click("#view-live");
    await until(page, () => window.playground.state().view === null);
    // With no snapshots kept, resuming is refused and nothing moves.
    await page.evaluate(() => window.playground.setHistoryCap(0));
    await assert.rejects(page.evaluate(() => window.playground.resumeFrom(3)), /no snapshots are kept/);
    assert.equal(await page.evaluate(() => window.playground.state().step), 24);
    app.check();
  } finally {
    await app.close();
  }
});

test("on the GPU backend too, resuming retakes the original steps", async () => {
  const app = await openPlayground("#model=mlp&backend=gpu&lr=0.003");
  try {
    const { page } = app;
    assert.equal(await page.evaluate(() => window.playground.state().backend), "gpu");
    for (let i = 0; i < 12; i++) await page.evaluate(() => window.playground.step(1));
    const original = await page.evaluate(() => window.playground.state().loss);
    const kept = await page.evaluate(() => window.playground.history());
    assert.ok(kept.some((p) => p.step === 5), JSON.stringify(kept));
    await page.evaluate(() => window.playground.viewStep(5));
    await page.evaluate(() => window.playground.resumeFrom(5));
    const again = await page.evaluate(async () => (await window.playground.step(7)).loss);
    assert.deepEqual(again, original);
    app.check();
  } finally {
    await app.close();
  }
});
