// Frame rate of the plane's live view while it trains (not a test: it prints, asserts nothing).
//
//   node tests/e2e/plane_bench.mjs [seconds=10]
//
// For each setup: configure, press play, let it warm up for 2 s, then record the time between
// consecutive drawn frames (each frame = one epoch of steps in the worker, at most 6 ms of them,
// + the grid outputs for every heatmap + the redraw) for `seconds`. Prints the median and the slowest 5 % as frames per
// second, the optimizer steps per second, and the median cost of a frame's parts. Run it on a
// quiet machine: on a shared 2-core one the slowest frames are other processes' time slices.
import { loadavg } from "node:os";
import { openPlane } from "./plane_helpers.mjs";

const seconds = Number(process.argv[2] ?? 10);
const SETUPS = [
  {
    name: "spiral, 7 features, 4x8 tanh, batch 16",
    opts: { dataset: "spiral", features: ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"], layers: [8, 8, 8, 8], activation: "tanh", optimizer: "adam", lr: 0.01, batch: 16 },
  },
  {
    name: "spiral, 7 features, 6x8 tanh (the largest network), batch 10",
    opts: { dataset: "spiral", features: ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"], layers: [8, 8, 8, 8, 8, 8], activation: "tanh", optimizer: "adam", lr: 0.01, batch: 10 },
  },
  {
    name: "4-class spiral (1,000 points), 6x8 relu, batch 10",
    opts: { dataset: "spiral4", features: ["x1", "x2", "sin(x1)", "sin(x2)"], layers: [8, 8, 8, 8, 8, 8], activation: "relu", optimizer: "adam", lr: 0.01, batch: 10 },
  },
];

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const app = await openPlane({ width: 1400, height: 900 });
try {
  const { page } = app;
  for (const { name, opts } of SETUPS) {
    await page.evaluate((o) => window.plane.configure(o), opts);
    await page.evaluate(() => window.plane.start());
    await page.waitForTimeout(2000);
    const loadBefore = loadavg()[0];
    const [skip, step0] = await page.evaluate(() => [window.plane.frameIntervals().length, window.plane.state().step]);
    const timings = [];
    for (let t = 0; t < seconds * 10; t++) {
      await page.waitForTimeout(100);
      timings.push(await page.evaluate(() => window.plane.state().timing));
    }
    const med = (k) => +quantile(timings.filter(Boolean).map((x) => x[k]).sort((a, b) => a - b), 0.5).toFixed(2);
    const [all, step1, acc] = await page.evaluate(() => [window.plane.frameIntervals(), window.plane.state().step, window.plane.state().testAccuracy]);
    await page.evaluate(() => window.plane.pause());
    const ms = all.slice(skip).sort((a, b) => a - b);
    const median = quantile(ms, 0.5);
    const slow = quantile(ms, 0.95);
    console.log(
      JSON.stringify({
        setup: name,
        frames: ms.length,
        medianFps: +(1000 / median).toFixed(1),
        slowest5pctFps: +(1000 / slow).toFixed(1),
        medianFrameMs: +median.toFixed(2),
        p95FrameMs: +slow.toFixed(2),
        stepsPerSecond: Math.round((step1 - step0) / seconds),
        // Median cost of one frame's parts: the worker (an epoch of steps, metrics, grid
        // outputs; of it the steps and the grid), and on the page the output heatmap and the
        // network diagram (posting it to its painter worker, or painting it where there is none).
        workerMs: med("engineMs"),
        trainMs: med("trainMs"),
        gridMs: med("gridMs"),
        heatmapMs: med("heatmapMs"),
        networkMs: med("networkMs"),
        testAccuracyAtEnd: acc,
        // The machine's 1-minute load average before and after: the slowest frames follow it.
        load: [+loadBefore.toFixed(2), +loadavg()[0].toFixed(2)],
      }),
    );
  }
  app.check();
} finally {
  await app.close();
}
