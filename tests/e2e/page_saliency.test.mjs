// "Why did it say 7?": with the shipped CNN, the saliency overlay the page paints for a drawing
// is exactly what `playground.saliency` returns for the same input (gradient and integrated
// gradients), "what a unit wants" in Look inside is the API's, the API's adversarial nudge
// really makes the model say the target within the budget it reports, and the page's Nudge
// button flips the page's own prediction and stays on as you draw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground, stroke, until } from "./page_helpers.mjs";

const argmax = (p) => p.reduce((b, v, i) => (v > p[b] ? i : b), 0);

async function shownSaliency(page, method) {
  await page.selectOption("#saliency-method", method);
  await until(page, (m) => {
    const s = document.getElementById("saliency28").saliency;
    const input = window.playground.input();
    return s && s.method === m && input && s.pixels.every((v, i) => v === input[i]);
  }, method);
  return page.evaluate(() => {
    const s = document.getElementById("saliency28").saliency;
    return { target: s.target, values: Array.from(s.values) };
  });
}

test("the saliency overlay equals the API's; the nudge flips the prediction", async () => {
  const app = await openPlayground("#model=cnn&backend=cpu&init=pretrained");
  try {
    const { page } = app;
    await stroke(page, [[0.45, 0.2], [0.5, 0.75]]);
    await until(page, () => /^[0-9]$/.test(document.getElementById("prediction").textContent));
    await until(page, () => !window.playground.state().predictionPending);
    const predicted = Number(await page.textContent("#prediction"));
    await page.check("#saliency-on");

    for (const method of ["gradient", "integrated"]) {
      const shown = await shownSaliency(page, method);
      assert.equal(shown.target, predicted, `${method}: the overlay explains the predicted class`);
      const api = await page.evaluate((m) => window.playground.saliency({ method: m }), method);
      assert.equal(api.length, 784);
      assert.ok(api.some((v) => v !== 0), `${method}: the map is not empty`);
      // The same map laid over the pad (at the strokes: preprocess.js mnistFrame).
      const painted = await page.$eval("#saliency-pad", (c) =>
        c.getContext("2d").getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 3 && _ > 0).length);
      assert.ok(painted > 100, `${method}: ${painted} pad pixels painted`);
      if (process.env.SALIENCY_SHOT) await page.screenshot({ path: process.env.SALIENCY_SHOT.replace(".png", `-${method}.png`) });
      api.forEach((v, i) => assert.ok(Math.abs(v - shown.values[i]) <= 1e-6 * Math.max(1, Math.abs(v)), `${method}[${i}]: ${shown.values[i]} vs ${v}`));
    }

    // The training engine's backend computes the same map (its own backward pass).
    for (const method of ["gradient", "integrated"]) {
      const [mine, engines] = await page.evaluate((m) => Promise.all(
        [undefined, "engine"].map((on) => window.playground.saliency({ method: m, on }))), method);
      const scale = Math.max(...mine.map(Math.abs));
      mine.forEach((v, i) => assert.ok(Math.abs(v - engines[i]) <= 1e-3 * scale, `${method} on the engine [${i}]: ${engines[i]} vs ${v}`));
    }

    // What a unit wants (Look inside): the page's picture is the API's, and it climbed.
    await page.click("#inside-box summary");
    await until(page, () => document.getElementById("unit-layer").options.length >= 2);
    const layer = await page.$eval("#unit-layer", (s) => Number(s.options[s.options.length - 2].value));
    await page.selectOption("#unit-layer", String(layer));
    await page.fill("#unit-index", "5");
    await page.click("#unit-go");
    await until(page, () => document.getElementById("unit28").wants);
    const wants = await page.$eval("#unit28", (c) => ({ ...c.wants, pixels: Array.from(c.wants.pixels) }));
    assert.equal(wants.layer, layer);
    assert.ok(wants.value > wants.startValue, `unit climbed: ${wants.startValue} -> ${wants.value}`);
    const api = await page.evaluate((l) => window.playground.unitWants({ layer: l, unit: 5 }), layer);
    assert.deepEqual(api.pixels, wants.pixels);

    // ... and the test images that excite it most: ranked over all of t10k, the page's are the
    // API's, and clicking one makes it the model's input.
    await until(page, () => document.getElementById("unit-top").ranked);
    const ranked = await page.$eval("#unit-top", (b) => b.ranked);
    assert.equal(ranked.top.length, 8);
    ranked.top.slice(1).forEach((t, i) => assert.ok(t.value <= ranked.top[i].value, "largest first"));
    const apiTop = await page.evaluate((l) => window.playground.topImages({ layer: l, unit: 5, k: 8 }), layer);
    assert.deepEqual(apiTop.map((t) => t.index), ranked.top.map((t) => t.index));
    assert.match(await page.textContent("#unit-top-caption"), /of 10000 test images/);
    const drawn = await page.evaluate(() => window.playground.input());
    await page.click("#unit-top button");
    const picked = await page.evaluate(() => window.playground.input());
    assert.notDeepEqual(picked, drawn, "the top image became the model's input");
    // The test images that excite the "3" logit most are threes.
    const logitLayer = await page.$eval("#unit-layer", (s) => Number(s.options[s.options.length - 1].value));
    const threes = await page.evaluate((l) => window.playground.topImages({ layer: l, unit: 3, k: 8 }), logitLayer);
    assert.ok(threes.filter((t) => t.label === 3).length >= 7, `labels of the top "3" images: ${threes.map((t) => t.label)}`);

    // The nudge starts from the picked test image, so its target is counted from that image's
    // class: counted from the drawing's, it can be the class the page already shows, and the
    // wait below would pass before the nudge lands.
    await until(page, () => !window.playground.state().predictionPending);
    const shown = argmax(await page.evaluate(() => window.playground.predict(window.playground.input())));
    const target = (shown + 3) % 10;
    const t0 = Date.now();
    const found = await page.evaluate((t) => window.playground.adversarial({ target: t, maxEps: 0.4 }), target);
    const ms = Date.now() - t0;
    assert.equal(found.success, true, `a ${target} within 0.4`);
    assert.ok(found.eps > 0 && found.eps <= 0.4, `eps ${found.eps}`);
    const input = await page.evaluate(() => window.playground.input());
    const linf = Math.max(...found.pixels.map((p, i) => Math.abs(p - input[i])));
    assert.ok(linf <= found.eps + 1e-6, `perturbation ${linf} within ${found.eps}`);
    const now = await page.evaluate((px) => window.playground.predict(px), found.pixels);
    assert.equal(argmax(now), target, "the engine agrees the nudged image is the target");
    console.log(`adversarial ${shown} -> ${target}: eps ${found.eps.toFixed(4)} in ${ms} ms`);

    // The page's button: the nudged image becomes the input and the page says the target.
    await page.selectOption("#nudge-target", String(target));
    await page.fill("#nudge-eps", "0.4");
    await page.click("#nudge-go");
    await until(page, (t) => document.getElementById("prediction").textContent === String(t)
      && /nudged toward/.test(document.getElementById("input-source").textContent), target);
    // Drawing on keeps the perturbation: the input is the drawing plus the nudge, not the drawing.
    const nudged = await page.evaluate(() => window.playground.input());
    await page.$eval("#draw", (c) => c.scrollIntoView()); // the clicks below scrolled the page
    await stroke(page, [[0.55, 0.3], [0.6, 0.35]]);
    await until(page, (old) => window.playground.input().some((v, i) => v !== old[i]), nudged);
    assert.match(await page.textContent("#input-source"), /nudged toward/);
    if (process.env.SALIENCY_SHOT) await page.screenshot({ path: process.env.SALIENCY_SHOT });
    app.check();
  } finally {
    await app.close();
  }
});
