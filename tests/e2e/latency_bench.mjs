// Draw -> prediction latency in the page (not a test: speed is never asserted). For each
// (model, backend[, workers]) given, e.g. `node tests/e2e/latency_bench.mjs mlp:cpu cnn:cpu:2`, it trains in
// the page and meanwhile draws strokes on #draw, then prints the page's own latency figures
// (state().latency: time from a pen event to the bars showing its answer), median and p95.
import { openPlayground, stroke } from "./page_helpers.mjs";

const STROKES = Number(process.env.STROKES ?? 30);
const shapes = [
  [[0.3, 0.2], [0.32, 0.7]],
  [[0.3, 0.3], [0.6, 0.25], [0.35, 0.75], [0.65, 0.7]],
  [[0.5, 0.2], [0.3, 0.5], [0.5, 0.8], [0.7, 0.5], [0.5, 0.2]],
];

for (const run of process.argv.slice(2).length ? process.argv.slice(2) : ["mlp:cpu", "cnn:cpu"]) {
  const [model, backend] = run.split(":");
  const [, , workers] = run.split(":");
  const pg = await openPlayground(`#model=${model}&backend=${backend}`);
  if (workers) await pg.page.evaluate((n) => window.playground.configure({ workers: n }), workers === "auto" ? "auto" : Number(workers));
  try {
    const { page } = pg;
    await page.evaluate(() => window.playground.start());
    await new Promise((r) => setTimeout(r, 3000)); // past start-up, while training runs
    for (let i = 0; i < STROKES; i++) {
      await page.click("#clear");
      await stroke(page, shapes[i % shapes.length], 8);
      await new Promise((r) => setTimeout(r, 150));
    }
    await new Promise((r) => setTimeout(r, 500));
    const s = await page.evaluate(() => window.playground.state());
    await page.evaluate(() => window.playground.pause());
    const l = s.latency;
    console.log(
      `${run}: backend ${s.backend}, ${s.workers} worker(s), draw -> prediction median ${l.median.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms over ${l.n} updates (training at step ${s.step})`,
    );
  } finally {
    await pg.close();
  }
}
