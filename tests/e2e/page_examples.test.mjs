// Your own examples: kept across a reload (IndexedDB), mixed into batches at the chosen share
// (counted by the engine, not timed), exported and imported as an IDX gzip pair, a refused
// storage gives a message and the page still works, and a symbol that is no digit, taught ten
// times as a 7, becomes a 7 after a short run while t10k accuracy stays within a point.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, stroke } from "./page_helpers.mjs";
import { waitForPlayground } from "./harness.mjs";

/** A 28x28 image in [0, 1]: `f(x, y)` true where the stroke is, `dx`/`dy` shift it. */
const image = (f, dx = 0, dy = 0) =>
  Array.from({ length: 784 }, (_, i) => (f((i % 28) - dx, Math.floor(i / 28) - dy) ? 1 : 0));
const square = (x, y) => x >= 8 && x <= 19 && y >= 8 && y <= 19 && (x <= 9 || x >= 18 || y <= 9 || y >= 18);
// A hollow diamond with a dot in the middle: no digit looks like it.
const diamond = (x, y) => {
  const d = Math.abs(x - 13.5) + Math.abs(y - 13.5);
  return (d >= 8 && d <= 10) || (Math.abs(x - 13.5) <= 1 && Math.abs(y - 13.5) <= 1);
};
const argmax = (p) => p.reduce((best, v, i) => (v > p[best] ? i : best), 0);

test("examples survive a reload, train at their share and round-trip through IDX", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu");
  const { page } = app;
  try {
    await page.evaluate(() => window.playground.clearExamples());
    const sq = image(square);
    for (const [label, dx] of [[3, 0], [3, 1], [8, -1]]) {
      const n = await page.evaluate(([l, p]) => window.playground.addExample(l, p), [label, image(square, dx)]);
      assert.ok(n >= 1);
    }
    // Bad input is refused with a message, and nothing is added.
    await assert.rejects(page.evaluate((p) => window.playground.addExample(12, p), sq), /label is a whole number from 0 to 9/);
    await assert.rejects(page.evaluate(() => window.playground.addExample(1, [0.5])), /784 pixel values/);
    assert.equal((await page.evaluate(() => window.playground.examples())).length, 3);

    // The share: round(0.5 * 64) = 32 own examples in every batch of 64, counted by the engine.
    await page.evaluate(() => window.playground.configure({ ownShare: 0.5, workers: 1 }));
    const c0 = await page.evaluate(() => window.playground.ownCounts());
    await page.evaluate(() => window.playground.step(10));
    const c1 = await page.evaluate(() => window.playground.ownCounts());
    assert.equal(c1.samples - c0.samples, 640);
    assert.equal(c1.own - c0.own, 320);
    await page.evaluate(() => window.playground.configure({ ownShare: 0 }));
    await page.evaluate(() => window.playground.step(2));
    const c2 = await page.evaluate(() => window.playground.ownCounts());
    assert.equal(c2.own, c1.own, "share 0 draws none");
    assert.equal((await page.evaluate(() => window.playground.state())).ownShare, 0);

    // Kept across a reload, in the gallery too.
    await page.reload();
    await waitForPlayground(page);
    const kept = await page.evaluate(() => window.playground.examples());
    assert.deepEqual(kept.map((x) => x.label), [3, 3, 8]);
    assert.deepEqual(kept[0].pixels, sq);
    await page.waitForFunction(() => window.playground.state().examples === 3);
    assert.equal(await page.locator("#gallery figure").count(), 3);

    // IDX gzip out, cleared, back in: the same examples.
    const back = await page.evaluate(async () => {
      const { images, labels } = await window.playground.exportExamples();
      const gz = images[0] === 0x1f && images[1] === 0x8b && labels[0] === 0x1f;
      await window.playground.clearExamples();
      const empty = (await window.playground.examples()).length;
      const n = await window.playground.importExamples(images, labels);
      return { gz, empty, n, again: await window.playground.examples() };
    });
    assert.ok(back.gz, "gzip");
    assert.equal(back.empty, 0);
    assert.equal(back.n, 3);
    assert.deepEqual(back.again, kept);
    // A drawing labelled from the keyboard (keys 0-9 while the pad has focus) and with a button.
    await stroke(page, [[0.5, 0.2], [0.5, 0.8]]);
    await page.waitForFunction(() => window.playground.input() !== null);
    await page.locator("#draw").focus();
    await page.keyboard.press("1");
    await page.waitForFunction(() => window.playground.state().examples === 4);
    await page.locator("#teach-buttons button").nth(1).click();
    await page.waitForFunction(() => window.playground.state().examples === 5);
    const labels = (await page.evaluate(() => window.playground.examples())).map((x) => x.label);
    assert.deepEqual(labels, [3, 3, 8, 1, 1]);
    await page.locator("#gallery figure button").first().click();
    await page.waitForFunction(() => window.playground.state().examples === 4);
    await page.evaluate(() => window.playground.clearExamples());
    app.check();
  } finally {
    await app.close();
  }
});

test("a refused IndexedDB gives a message and the page still works", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu", {
    init: () => {
      const refused = {
        open() {
          throw new DOMException("storage is disabled for this site", "SecurityError");
        },
      };
      Object.defineProperty(window, "indexedDB", { get: () => refused });
    },
  });
  const { page } = app;
  try {
    await page.waitForFunction(() => /cannot be kept across reloads/.test(document.getElementById("message-text").textContent));
    assert.match(await page.locator("#message-text").textContent(), /refused storage/);
    const n = await page.evaluate(() => window.playground.addExample(4, Array(784).fill(0.5)));
    assert.equal(n, 1);
    const s = await page.evaluate(() => window.playground.step(2));
    assert.equal(s.step, 2);
    assert.equal(s.examples, 1);
    assert.match(await page.locator("#examples-where").textContent(), /memory only/);
    app.check();
  } finally {
    await app.close();
  }
});

test("a symbol taught ten times as a 7 becomes a 7; t10k accuracy stays within a point", async () => {
  // The pretrained CNN (no model in the address), on the CPU.
  const app = await openPlayground("#backend=cpu");
  const { page } = app;
  try {
    const state = await page.evaluate(() => window.playground.state());
    assert.equal(state.pretrained, true);
    const before = await page.evaluate(() => window.playground.evaluate("test"));
    const unseen = image(diamond, 1, -1);
    const p0 = await page.evaluate((p) => window.playground.predict(p), unseen);
    assert.notEqual(argmax(p0), 7, "the diamond is not a 7 to start with");
    await page.evaluate(() => window.playground.clearExamples());
    const shifts = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1], [2, 1], [-2, -1], [1, 2], [-1, -2], [2, -2]];
    for (const [dx, dy] of shifts) {
      await page.evaluate(([p]) => window.playground.addExample(7, p), [image(diamond, dx, dy)]);
    }
    await page.evaluate(() => window.playground.configure({ ownShare: 0.1, lr: 0.0003 }));
    await page.evaluate(() => window.playground.step(60));
    const p1 = await page.evaluate((p) => window.playground.predict(p), unseen);
    const after = await page.evaluate(() => window.playground.evaluate("test"));
    console.log(`t10k ${before.accuracy} -> ${after.accuracy}; the unseen diamond: p(7) ${p0[7].toFixed(3)} -> ${p1[7].toFixed(3)}`);
    assert.equal(argmax(p1), 7, `the diamond is now a ${argmax(p1)}`);
    assert.ok(after.accuracy >= before.accuracy - 0.01, `t10k ${before.accuracy} -> ${after.accuracy}`);
    await page.evaluate(() => window.playground.clearExamples());
    app.check();
  } finally {
    await app.close();
  }
});
