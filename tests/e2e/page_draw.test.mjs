// Drawing on #draw classifies what was drawn: the preprocessed 28x28 input is MNIST-like
// (ink centred, fitted to 20 px), #prediction and the bars show the model's answer for it, and a
// briefly trained MLP reads a vertical stroke as a 1 and a ring as a 0.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, stroke, until } from "./page_helpers.mjs";

const centreOfMass = (img) => {
  let m = 0, x = 0, y = 0;
  img.forEach((v, i) => {
    m += v;
    x += v * ((i % 28) + 0.5);
    y += v * (Math.floor(i / 28) + 0.5);
  });
  return { x: x / m, y: y / m, m };
};

const ring = Array.from({ length: 25 }, (_, i) => {
  const a = (i / 24) * 2 * Math.PI;
  return [0.5 + 0.22 * Math.sin(a), 0.5 - 0.3 * Math.cos(a)];
});

test("strokes on #draw are preprocessed, classified and shown", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu&lr=0.003");
  try {
    const { page } = app;
    assert.equal(await page.textContent("#prediction"), "–");
    // Train briefly so the answer means something (the CPU MLP needs a second or two).
    await page.evaluate(() => window.playground.start());
    await until(page, () => window.playground.state().step >= 300);
    await page.evaluate(() => window.playground.pause());

    // A vertical stroke, off-centre and small: preprocessing must centre and scale it.
    await stroke(page, [[0.3, 0.2], [0.31, 0.6]]);
    await until(page, () => /^[0-9]$/.test(document.getElementById("prediction").textContent));
    const img = await page.evaluate(() => window.playground.input());
    assert.equal(img.length, 784);
    const c = centreOfMass(img);
    assert.ok(Math.abs(c.x - 14) < 0.6 && Math.abs(c.y - 14) < 0.6, `ink centred at (${c.x}, ${c.y})`);
    const rows = [...Array(28).keys()].filter((r) => img.slice(r * 28, r * 28 + 28).some((v) => v > 0.05));
    assert.ok(rows.length >= 19 && rows.length <= 22, `the long side fills ~20 px, got ${rows.length}`);
    assert.ok(img.every((v) => v >= 0 && v <= 1));
    await until(page, () => document.getElementById("prediction").textContent === "1");
    await until(page, () => !window.playground.state().predictionPending);
    // The pad's own model (www/workers/predictor.js) holds the engine's current weights: they
    // came straight from the engine worker, and the bars below are its answer, given by its
    // mirror on the page's thread (www/js/pad_model.js).
    const { predictor, answeredBy } = await page.evaluate(() => window.playground.state());
    assert.equal(predictor.retired, false, "the predictor is in use");
    assert.equal(predictor.version, predictor.weightsVersion, "it holds the engine's current weights");
    assert.equal(answeredBy, "page", "the mirror answered the pen");

    // The bars are the model's probabilities for exactly this input.
    const shown = await page.$$eval("#probs .pct", (els) => els.map((e) => parseFloat(e.textContent) / 100));
    const direct = await page.evaluate(() => window.playground.predict(window.playground.input()));
    assert.equal(direct.length, 10);
    assert.ok(Math.abs(direct.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    shown.forEach((p, i) => assert.ok(Math.abs(p - direct[i]) < 0.0011, `bar ${i}: ${p} vs ${direct[i]}`));

    // Clear, then a ring: a 0.
    await page.click("#clear");
    await until(page, () => document.getElementById("prediction").textContent === "–");
    await stroke(page, ring, 2);
    await until(page, () => document.getElementById("prediction").textContent === "0");

    // Undo removes the last stroke: add a bar through the ring, then undo it.
    const before = await page.evaluate(() => window.playground.input());
    await stroke(page, [[0.2, 0.5], [0.8, 0.5]]);
    await until(page, (b) => window.playground.input().some((v, i) => Math.abs(v - b[i]) > 0.1), before);
    await page.click("#undo");
    await until(page, (b) => window.playground.input().every((v, i) => Math.abs(v - b[i]) < 1e-6), before);

    const { latency } = await page.evaluate(() => window.playground.state());
    assert.ok(latency.n > 0);
    console.log(`draw -> prediction latency: median ${latency.median.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms over ${latency.n}`);
    await page.screenshot({ path: "/tmp/page_draw.png" });
    app.check();
  } finally {
    await app.close();
  }
});

test("the page starts on 'auto' and says which backend runs", async () => {
  const app = await openPlayground("");
  try {
    const { page } = app;
    const s = await page.evaluate(() => window.playground.state());
    assert.ok(["gpu", "cpu"].includes(s.backend));
    const text = await page.textContent("#backend");
    assert.match(text, s.backend === "gpu" ? /WebGPU/ : /CPU/);
    if (s.backend === "cpu") {
      assert.ok(s.gpuUnavailable || s.probe, "a CPU start under 'auto' says why the GPU was not used");
    }
    assert.match(await page.evaluate(() => location.hash), /backend=auto/);
    app.check();
  } finally {
    await app.close();
  }
});

test("a finger draws too (touch events through the pointer handlers), at phone width", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu", { width: 390, height: 844 });
  try {
    const { page } = app;
    const box = await page.locator("#draw").boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, "the pad fits the phone's width");
    const cdp = await page.context().newCDPSession(page);
    const at = (fx, fy) => [{ x: box.x + fx * box.width, y: box.y + fy * box.height }];
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at(0.5, 0.2) });
    for (let i = 1; i <= 10; i++) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: at(0.5, 0.2 + 0.06 * i) });
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    await until(page, () => /^[0-9]$/.test(document.getElementById("prediction").textContent));
    const img = await page.evaluate(() => window.playground.input());
    const rows = [...Array(28).keys()].filter((r) => img.slice(r * 28, r * 28 + 28).some((v) => v > 0.05));
    assert.ok(rows.length >= 19, `a vertical finger stroke fills the height, got ${rows.length} rows`);
    // The page did not scroll or zoom instead of drawing.
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    await page.screenshot({ path: "/tmp/page_draw_phone.png" });
    app.check();
  } finally {
    await app.close();
  }
});
