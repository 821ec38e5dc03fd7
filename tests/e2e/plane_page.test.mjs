// The plane page (www/plane.html) in headless Chromium, one browser for the file: it starts
// with no console or CSP errors, learns XOR and the circle through window.plane, its heatmap's
// pixels are the model's outputs at the grid points, the address round-trips every setting,
// and bad settings are refused without changing anything.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { decodePng, openPlane } from "./plane_helpers.mjs";
import { openPage, unnamedControls } from "./harness.mjs";
import { NODE, columns } from "../../www/plane/network_paint.js";

let app;
before(async () => {
  app = await openPlane();
});
after(async () => {
  await app?.close();
});

/** Train in steps of `chunk` until the test accuracy reaches `target` or `budget` steps pass. */
async function learn(page, opts, target, budget, chunk = 100) {
  await page.evaluate((o) => window.plane.configure(o), opts);
  let s = await page.evaluate(() => window.plane.state());
  assert.equal(s.step, 0, "a new dataset or network starts at step 0");
  while (s.step < budget && !(s.testAccuracy >= target)) {
    s = await page.evaluate((n) => window.plane.step(n), chunk);
  }
  return s;
}

test("the page starts clean and links back to the playground", async () => {
  const { page } = app;
  const s = await page.evaluate(() => window.plane.state());
  assert.equal(s.ready, true);
  assert.equal(s.step, 0);
  assert.equal(s.points, 500);
  assert.ok(s.trainLoss > 0.3, `an untrained model's loss is ${s.trainLoss}`);
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.ok(await page.locator('a[href="index.html"]').count());
  app.check();
});

test("a 2-4-1 ReLU net learns the XOR dataset through window.plane", async () => {
  const s = await learn(
    app.page,
    { dataset: "xor", seed: 2, features: ["x1", "x2"], layers: [4], activation: "relu", optimizer: "adam", lr: 0.03 },
    0.95,
    1500,
  );
  assert.ok(s.testAccuracy >= 0.95, `XOR test accuracy ${s.testAccuracy} after ${s.step} steps`);
  app.check();
});

test("a tanh net on x1^2 and x2^2 learns the circle", async () => {
  const s = await learn(
    app.page,
    { dataset: "circle", seed: 1, features: ["x1^2", "x2^2"], layers: [2], activation: "tanh", optimizer: "adam", lr: 0.03 },
    0.95,
    600,
  );
  assert.ok(s.testAccuracy >= 0.95, `circle test accuracy ${s.testAccuracy} after ${s.step} steps`);
  app.check();
});

test("the heatmap's pixels are the model's outputs at the grid points", async () => {
  const { page } = app;
  for (const opts of [
    { dataset: "gauss", layers: [3, 2], features: ["x1", "x2", "x1*x2"] },
    { dataset: "spiral3", layers: [6, 6], features: ["x1", "x2", "sin(x1)", "sin(x2)"] },
    { dataset: "multigauss", layers: [5], features: ["x1", "x2"] },
  ]) {
    await page.evaluate((o) => window.plane.configure(o), opts);
    await page.evaluate(() => window.plane.step(40));
    const result = await page.evaluate(async () => {
      const { paintGrid } = await import("./plane/colors.js");
      const grid = await window.plane.predictGrid(window.plane.grid);
      const canvas = document.getElementById("heatmap");
      const shown = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      const want = paintGrid(new Uint8ClampedArray(grid.n * grid.n * 4), grid.values, grid.n, grid.outputs);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - shown[i]));
      const distinct = new Set();
      for (let i = 0; i < want.length; i += 4) distinct.add(`${want[i]},${want[i + 1]},${want[i + 2]}`);
      return { n: grid.n, outputs: grid.outputs, width: canvas.width, worst, distinct: distinct.size };
    });
    assert.equal(result.width, result.n, "one heatmap pixel per grid cell");
    assert.equal(result.outputs, opts.dataset === "spiral3" ? 3 : opts.dataset === "multigauss" ? 1 : 2);
    assert.ok(result.distinct > 20, `the map has only ${result.distinct} colours: not a real picture`);
    assert.equal(result.worst, 0, `${opts.dataset}: a pixel differs from the model's output by ${result.worst}`);
  }
  app.check();
});

test("the network diagram, painted by its own worker, shows every node and both colours of link", async () => {
  const { page } = app;
  await page.evaluate(() => window.plane.configure({ dataset: "xor", seed: 3, features: ["x1", "x2"], layers: [4, 3], activation: "tanh", optimizer: "sgd", lr: 0.03 }));
  const painted = page.workers().some((w) => w.url().endsWith("/workers/plane_network.js"));
  assert.ok(painted, `the diagram's worker runs: ${page.workers().map((w) => w.url())}`);
  /**
   * Bluish and orangish pixels of the diagram (a screenshot: the page cannot read a canvas it
   * handed over), in the nodes and in the bands between the columns, where only links are;
   * retried while the worker, which paints asynchronously, has not shown both in both.
   */
  async function colours() {
    let counts = null;
    for (let tries = 0; tries < 50; tries++) {
      const { width, height, rgba } = decodePng(await page.locator("#network").screenshot());
      const xs = columns(width, 4); // x1, x2 -> 4 -> 3 -> output
      const inBand = (x) => xs.slice(0, -1).some((left, c) => x > left + NODE + 1 && x < xs[c + 1] - 1);
      counts = { nodes: { blue: 0, orange: 0 }, links: { blue: 0, orange: 0 } };
      for (let i = 0; i < width * height; i++) {
        const [r, , b] = rgba.subarray(4 * i, 4 * i + 3);
        const where = inBand(i % width) ? counts.links : counts.nodes;
        if (b > r + 40) where.blue++;
        if (r > b + 40) where.orange++;
      }
      if (Object.values(counts).every((c) => c.blue > 30 && c.orange > 30)) break;
      await page.waitForTimeout(100);
    }
    return counts;
  }
  // Both colours show in the nodes' maps and in the links, after training and after two more
  // frames alike (the links then come from their kept pixels, network_paint.js).
  await page.evaluate(() => window.plane.step(20));
  const stroked = await colours();
  assert.ok(Object.values(stroked).every((c) => c.blue > 30 && c.orange > 30), `blue and orange pixels in the diagram: ${JSON.stringify(stroked)}`);
  await page.evaluate(() => window.plane.pause());
  await page.evaluate(() => window.plane.pause());
  const kept = await colours();
  assert.ok(Object.values(kept).every((c) => c.blue > 30 && c.orange > 30), `blue and orange pixels with the links kept: ${JSON.stringify(kept)}`);
  app.check();
});

test("the plane's worker runs the relaxed-SIMD build, and ?wasm=simd128 the plain one", async () => {
  const { page } = app;
  const relaxed = await page.evaluate(() => window.plane.state());
  assert.equal(relaxed.wasmBuild, "relaxed-simd");
  assert.match(await page.locator("#status").textContent(), /relaxed SIMD/);
  const plain = await openPage(app.browser, app.site.url + "plane.html?wasm=simd128");
  try {
    await plain.page.waitForFunction(() => window.plane && window.plane.ready);
    const s = await plain.page.evaluate(() => window.plane.ready);
    assert.equal(s.wasmBuild, "simd128");
    const worker = plain.page.workers().find((w) => w.url().includes("/workers/plane.js"));
    const loads = await worker.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".wasm")));
    assert.deepEqual(loads, ["/pkg/gradient_garden_bg.wasm"]);
    assert.deepEqual(plain.errors, []);
  } finally {
    await plain.page.close();
  }
  app.check();
});

test("every setting round-trips through the address, and a bad one is refused", async () => {
  const { page } = app;
  const settings = {
    dataset: "spiral4", noise: 0.15, ratio: 0.6, seed: 77, features: ["x1", "x2", "x1^2", "sin(x2)"],
    layers: [8, 5, 3], activation: "sigmoid", lr: 0.01, batch: 20, l1: 0.001, l2: 0.003, optimizer: "momentum",
    backend: "cpu",
  };
  await page.evaluate((o) => window.plane.configure(o), settings);
  const hash = await page.evaluate(() => location.hash);
  const before = await page.evaluate(() => window.plane.state().settings);
  assert.deepEqual(before, settings);

  const err = await page.evaluate(() => window.plane.configure({ layers: [9] }).then(() => null, (e) => e.message));
  assert.match(err, /width 9 is not in \[1, 8\]/);
  assert.equal(await page.evaluate(() => location.hash), hash, "a refused change leaves the address");
  assert.deepEqual(await page.evaluate(() => window.plane.state().settings), settings);
  // The refusal was shown, as a message, not as a console error.
  assert.match(await page.locator("#message-text").textContent(), /width 9/);

  const again = await app.page.context().newPage();
  await again.goto(app.site.url + "plane.html" + hash);
  await again.waitForFunction(() => window.plane && window.plane.ready);
  await again.evaluate(() => window.plane.ready);
  assert.deepEqual(await again.evaluate(() => window.plane.state().settings), settings);
  assert.equal(await again.evaluate(() => location.hash), hash);
  assert.equal(await again.inputValue("#lr"), "0.01");
  assert.equal(await again.isChecked("#feature-sin\\(x2\\)"), true);
  await again.close();
  app.check();
});

test("play trains live, pause stops, a click adds a point, reset starts over", async () => {
  const { page } = app;
  await page.evaluate(() => window.plane.configure({ dataset: "circle", features: ["x1", "x2"], layers: [4, 2], activation: "tanh", optimizer: "sgd", lr: 0.03 }));
  await page.evaluate(() => window.plane.start());
  await page.waitForFunction(() => window.plane.state().step > 200 && window.plane.state().fps > 0);
  const paused = await page.evaluate(() => window.plane.pause());
  assert.equal(paused.training, false);
  const still = await page.evaluate(async () => {
    const a = window.plane.state().step;
    await new Promise((r) => setTimeout(r, 300));
    return [a, window.plane.state().step];
  });
  assert.equal(still[0], still[1], "paused means no more steps");

  const points = paused.points;
  await page.locator("#points").click({ position: { x: 150, y: 150 } });
  await page.waitForFunction((n) => window.plane.state().points === n + 1, points);

  await page.click("#step");
  await page.waitForFunction((s) => window.plane.state().step === s + 1, still[1]);
  const fresh = await page.evaluate(() => window.plane.reset());
  assert.equal(fresh.step, 0);
  app.check();
});

test("every control is labelled, and random settings are applied or refused with a message", async () => {
  const { page } = app;
  const unnamed = await unnamedControls(page, "input, select, button, canvas", { skipAriaHidden: true });
  assert.deepEqual(unnamed, [], "controls without an accessible name");

  // Seeded random configure calls: each resolves (and the page shows it) or rejects with a
  // message; nothing hangs and nothing reaches the console.
  const outcomes = await page.evaluate(async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = (xs) => xs[Math.floor(rand() * xs.length)];
    const values = {
      dataset: ["circle", "xor", "spiral4", "plane", "moons", 3],
      noise: [0, 0.5, 0.7, -1, "x"],
      ratio: [0.1, 0.9, 0, 1.5],
      seed: [0, 2 ** 32 - 1, 1.5, -3],
      features: [["x1"], ["x1", "x1"], [], ["sin(x2)", "x1*x2"], ["x9"]],
      layers: [[], [8, 8, 8, 8, 8, 8], [0], [9], [1, 2, 3, 4, 5, 6, 7], [3]],
      activation: ["relu", "linear", "softplus"],
      lr: [1e-5, 10, 0, 11, NaN],
      batch: [1, 256, 0, 300],
      l1: [0, 1, 2],
      l2: [0, 0.5, -0.1],
      optimizer: ["sgd", "adam", "rmsprop"],
      problem: ["classification", "regression", "ranking"],
      bogus: [1],
    };
    const keys = Object.keys(values);
    const out = { ok: 0, refused: 0, silent: 0 };
    for (let i = 0; i < 40; i++) {
      const opts = {};
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
        const key = pick(keys);
        opts[key] = pick(values[key]);
      }
      try {
        await window.plane.configure(opts);
        await window.plane.step(3);
        out.ok++;
      } catch (e) {
        if (e && typeof e.message === "string" && e.message.length > 5) out.refused++;
        else out.silent++;
      }
    }
    return out;
  });
  assert.equal(outcomes.silent, 0, JSON.stringify(outcomes));
  assert.ok(outcomes.ok > 3 && outcomes.refused > 3, JSON.stringify(outcomes));
  // Whatever the storm left (a huge but finite loss at rate 10 is allowed), sane settings train.
  const s = await page.evaluate(async () => {
    await window.plane.configure({ dataset: "circle", features: ["x1", "x2"], layers: [4, 2], activation: "tanh", lr: 0.03, optimizer: "sgd", l1: 0, l2: 0, batch: 10, noise: 0, ratio: 0.5, seed: 1 });
    return window.plane.step(50);
  });
  assert.ok(Number.isFinite(s.trainLoss) && s.step === 50, `the page trains after the storm: ${JSON.stringify(s)}`);
  app.check();
});

test("the GPU backend is refused with the reason where the page has no WebGPU, and the CPU trains on", async () => {
  const { page } = app;
  await page.evaluate(() => window.plane.configure({ dataset: "circle", features: ["x1", "x2"], layers: [4, 2], activation: "tanh", optimizer: "sgd", lr: 0.03, seed: 1 }));
  const hash = await page.evaluate(() => location.hash);
  const err = await page.evaluate(() => window.plane.configure({ backend: "gpu" }).then(() => null, (e) => e.message));
  assert.match(err ?? "", /GPU/, "this browser runs without WebGPU (openPlane's default)");
  const s = await page.evaluate(() => window.plane.step(20));
  assert.equal(s.settings.backend, "cpu");
  assert.equal(await page.evaluate(() => location.hash), hash, "a refused backend leaves the address");
  assert.ok(Number.isFinite(s.trainLoss) && s.step >= 20, JSON.stringify(s));
  app.check();
});

test("an address asking for the GPU on a page without WebGPU starts on the CPU with the reason", async () => {
  const page = await app.page.context().newPage();
  await page.goto(app.site.url + "plane.html#dataset=xor&backend=gpu");
  await page.waitForFunction(() => window.plane && window.plane.ready);
  const s = await page.evaluate(() => window.plane.ready);
  assert.equal(s.settings.backend, "cpu");
  assert.match(await page.locator("#message-text").textContent(), /GPU.*training on the CPU instead/s);
  assert.match(await page.evaluate(() => location.hash), /[#&]backend=cpu(&|$)/);
  await page.close();
  app.check();
});

test("the GPU backend (WebGPU, SwiftShader) learns XOR, set from the address", async () => {
  const gpu = await openPlane({ webgpu: true, hash: "#dataset=xor&features=x1,x2&layers=4&activation=relu&optimizer=adam&lr=0.03&seed=2&backend=gpu" });
  try {
    // Plane.create with backend "gpu" builds a WebGPU engine or refuses (no quiet fallback), so a
    // page that is ready with these settings trains on the GPU.
    let s = await gpu.page.evaluate(() => window.plane.state());
    assert.equal(s.settings.backend, "gpu");
    while (s.step < 1500 && !(s.testAccuracy >= 0.95)) s = await gpu.page.evaluate(() => window.plane.step(100));
    assert.ok(s.testAccuracy >= 0.95, `XOR on the GPU: ${s.testAccuracy} after ${s.step} steps`);
    const grid = await gpu.page.evaluate(() => window.plane.predictGrid(8));
    assert.ok(grid.values.every(Number.isFinite));
    gpu.check();
  } finally {
    await gpu.close();
  }
});

test("a rate that blows up pauses with a message and finite weights", async () => {
  const { page } = app;
  await page.evaluate(() =>
    window.plane.configure({ dataset: "plane", features: ["x1^2", "x2^2"], layers: [4], activation: "linear", optimizer: "sgd", lr: 10 }),
  );
  await page.evaluate(() => window.plane.start());
  await page.waitForFunction(() => !window.plane.state().training);
  assert.match(await page.locator("#message-text").textContent(), /learning rate/);
  const grid = await page.evaluate(() => window.plane.predictGrid(8));
  assert.ok(grid.values.every(Number.isFinite), "the model still predicts numbers");
  app.check();
});

test("the history slider shows a kept step everywhere, and live again at its end", async () => {
  const { page } = app;
  await page.evaluate(() => window.plane.configure({ dataset: "circle", features: ["x1", "x2"], layers: [4, 2], activation: "tanh", optimizer: "adam", lr: 0.03, seed: 3 }));
  for (let i = 0; i < 4; i++) await page.evaluate(() => window.plane.step(100));
  const kept = await page.evaluate(() => window.plane.history());
  assert.deepEqual(kept.map((k) => k.step), [0, 100, 200, 300, 400], "one kept step per call while the run is short");
  const heat = () =>
    page.evaluate(() => {
      const c = document.getElementById("heatmap");
      return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
    });
  const live = await heat();

  const early = await page.evaluate(() => window.plane.view(0));
  assert.equal(early.viewing, 0);
  assert.equal(early.testLoss, kept[0].testLoss, "the numbers are the kept step's");
  assert.notDeepEqual(await heat(), live, "the heatmap shows the untrained model");
  assert.equal(await page.inputValue("#history"), "0");
  assert.match(await page.locator("#history-out").textContent(), /step 0/);
  // Looking back changes nothing: predictions and training go on from the live weights.
  const grid = await page.evaluate(() => window.plane.predictGrid(8));
  const back = await page.evaluate(() => window.plane.view(null));
  assert.equal(back.viewing, null);
  assert.equal(back.step, 400);
  assert.deepEqual(await heat(), live, "live again: the same picture as before the look back");
  assert.deepEqual(await page.evaluate(() => window.plane.predictGrid(8)), grid);

  // The slider by keyboard: Home goes to the first kept step.
  await page.focus("#history");
  await page.keyboard.press("Home");
  await page.waitForFunction(() => window.plane.state().viewing === 0);
  await page.keyboard.press("End");
  await page.waitForFunction(() => window.plane.state().viewing === null);
  app.check();
});

test("at phone width the columns stack with no horizontal scroll", async () => {
  const { page } = app;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300); // the resize redraw runs on the next animation frame
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 390 px screen`);
  const [data, out] = await page.evaluate(() => ["data-col", "out-col"].map((id) => document.getElementById(id).getBoundingClientRect().top));
  assert.ok(out > data, "the output column comes below the data column");
  await page.setViewportSize({ width: 1400, height: 900 });
  app.check();
});
