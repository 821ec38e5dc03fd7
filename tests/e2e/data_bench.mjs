// The full training set in the page (not a test: nothing timed is asserted). Prints
//   - page load -> engine ready -> first prediction, and -> "full set loaded" (ms since navigation),
//     for the default address and for #backend=cpu,
//   - for each preset given (default: mlp cnn), one epoch of the full set from fresh weights on
//     the CPU backend: samples/s over the epoch and t10k accuracy after it.
//   node tests/e2e/data_bench.mjs [mlp] [cnn] [--load-only] [--extra=<address settings>]
// e.g. --extra='&lr=0.004&schedule={"kind":"onecycle","steps":843}': one-cycle over the epoch.
import { openPlayground, until } from "./page_helpers.mjs";

const args = process.argv.slice(2);
const presets = args.filter((a) => !a.startsWith("--"));
const loadOnly = args.includes("--load-only");
const extra = (args.find((a) => a.startsWith("--extra=")) ?? "--extra=").slice("--extra=".length);

async function loadTimes(hash) {
  const app = await openPlayground(hash);
  try {
    const { page } = app;
    const fixed = Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 100);
    const t = await page.evaluate(async (px) => {
      const ready = performance.now();
      await window.playground.predict(px);
      return { ready, firstPrediction: performance.now() };
    }, fixed);
    const full = await until(page, () => (window.playground.state().data.done ? performance.now() : null), undefined, 600_000);
    console.log(JSON.stringify({ event: "load", hash, readyMs: Math.round(t.ready), firstPredictionMs: Math.round(t.firstPrediction), fullSetLoadedMs: Math.round(full) }));
  } finally {
    await app.close();
  }
}

async function oneEpoch(model) {
  const app = await openPlayground(`#model=${model}&backend=cpu${extra}`);
  try {
    const { page } = app;
    const s0 = await until(page, () => {
      const s = window.playground.state();
      return s.data.done ? s : null;
    }, undefined, 600_000);
    const steps = s0.stepsPerEpoch;
    const t0 = Date.now();
    await page.evaluate(() => window.playground.start());
    await until(page, (n) => window.playground.state().step >= n, steps, 3_600_000);
    const wall = (Date.now() - t0) / 1000;
    const s = await page.evaluate(async () => {
      await window.playground.pause();
      return window.playground.state();
    });
    const test = await page.evaluate(() => window.playground.evaluate("test"));
    console.log(JSON.stringify({
      event: "epoch", model, extra, schedule: s.schedule, lr: s.lr, steps: s.step, trainSize: s.trainSize, workers: s.workers,
      samplesPerSec: Math.round((s.step * s.batch) / wall), wallS: Math.round(wall), testAccuracy: test.accuracy, testN: test.n,
    }));
  } finally {
    await app.close();
  }
}

// The default page (the pretrained CNN; `auto` may time a software GPU against the CPU first),
// then the CPU backend named.
await loadTimes("");
await loadTimes("#backend=cpu");
if (!loadOnly) for (const m of presets.length ? presets : ["mlp", "cnn"]) await oneEpoch(m);
