// The run through time, measured in the page (not a test: nothing here is asserted). Trains the
// CNN on the CPU for EPOCHS epochs (default 5), then prints the memory the kept snapshots use
// (state().snapshots) and the scrub latency: from a keyboard press on the focused loss chart to
// `state().view` showing the new step (the predictor holding that step's weights and the bars
// answered from them), and the same through `playground.viewStep`, median and p95.
//   node tests/e2e/history_bench.mjs [model:backend]   (default cnn:cpu; EPOCHS=5 SCRUBS=40)
import { openPlayground, stroke } from "./page_helpers.mjs";

const EPOCHS = Number(process.env.EPOCHS ?? 5);
const SCRUBS = Number(process.env.SCRUBS ?? 40);
const [model, backend] = (process.argv[2] ?? "cnn:cpu").split(":");
const q = (xs, f) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))];

const pg = await openPlayground(`#model=${model}&backend=${backend}&init=fresh`);
try {
  const { page } = pg;
  const t0 = Date.now();
  await page.evaluate(() => window.playground.start());
  await page.waitForFunction((e) => window.playground.state().epoch >= e, EPOCHS, { timeout: 0, polling: 1000 });
  await page.evaluate(() => window.playground.pause());
  const kept = await page.evaluate(() => window.playground.history());
  const s = await page.evaluate(() => window.playground.state());
  console.log(
    `${model}:${s.backend}, ${s.parameters} parameters, ${EPOCHS} epochs = ${s.step} steps in ${((Date.now() - t0) / 1000).toFixed(0)} s: ` +
      `${kept.length} snapshots kept, ${(s.snapshots.bytes / 1048576).toFixed(2)} MB of ${(s.snapshots.capBytes / 1048576).toFixed(0)} MB ` +
      `(steps ${kept.slice(0, 12).map((p) => p.step).join(", ")}, … ${kept.slice(-4).map((p) => p.step).join(", ")})`,
  );
  await stroke(page, [[0.3, 0.3], [0.6, 0.25], [0.35, 0.75], [0.65, 0.7]], 8);
  await page.waitForFunction(() => !window.playground.state().predictionPending);

  const api = [];
  for (let i = 0; i < SCRUBS; i++) {
    const step = kept[(i * 7) % kept.length].step;
    api.push(await page.evaluate(async (st) => {
      const t = performance.now();
      await window.playground.viewStep(st);
      return performance.now() - t;
    }, step));
  }
  await page.evaluate(() => window.playground.viewStep(null));
  const keys = [];
  await page.focus("#loss-chart");
  for (let i = 0; i < Math.min(SCRUBS, kept.length - 1); i++) {
    keys.push(await page.evaluate(() => new Promise((resolve) => {
      const before = window.playground.state().view?.step;
      const t = performance.now();
      document.getElementById("loss-chart").dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
      const poll = () => {
        const v = window.playground.state().view;
        if (v && v.step !== before && !window.playground.state().predictionPending) resolve(performance.now() - t);
        else requestAnimationFrame(poll);
      };
      poll();
    })));
  }
  const fmt = (xs) => `median ${q(xs, 0.5).toFixed(1)} ms, p95 ${q(xs, 0.95).toFixed(1)} ms (n ${xs.length})`;
  console.log(`scrub by viewStep(step) -> resolved: ${fmt(api)}`);
  console.log(`scrub by ← key -> view and bars updated: ${fmt(keys)}`);
} finally {
  await pg.close();
}
