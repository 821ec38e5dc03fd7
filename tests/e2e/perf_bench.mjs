// Page throughput (not a test: speed is never asserted). Prints samples/s of the playground's
// training loop for each (model, backend[, workers]) given on the command line, e.g.
//   node tests/e2e/perf_bench.mjs mlp:cpu cnn:cpu cnn:gpu mlp:cpu:1 mlp:cpu:2
// (workers: 1 or 2 training workers on the CPU backend; left out, the page's default).
// The number is the median of the page's own samplesPerSec readings over ~8 s of training.
import { openPlayground } from "./page_helpers.mjs";

const runs = process.argv.slice(2);
for (const run of runs.length ? runs : ["mlp:cpu", "cnn:cpu"]) {
  const [model, backend, workers] = run.split(":");
  const batch = model === "mlp" ? 128 : 64;
  const pg = await openPlayground(`#model=${model}&backend=${backend}&batch=${batch}`);
  try {
    if (workers) await pg.page.evaluate((n) => window.playground.configure({ workers: n }), Number(workers));
    await pg.page.evaluate(() => window.playground.setAutoTest?.(false));
    await pg.page.evaluate(() => window.playground.start());
    const seconds = model === "cnn" && backend === "gpu" ? 20 : 8;
    const readings = [];
    for (let i = 0; i < seconds * 2; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const s = await pg.page.evaluate(() => window.playground.state());
      if (s.samplesPerSec) readings.push(s.samplesPerSec);
    }
    const s = await pg.page.evaluate(() => window.playground.state());
    readings.sort((a, b) => a - b);
    const median = readings[Math.floor(readings.length / 2)] ?? 0;
    console.log(
      `${run}: backend ${s.backend} (${s.adapter}), ${s.workers} worker(s), median ${Math.round(median)} samples/s over ${readings.length} readings, step ${s.step}, loss ${s.loss.at(-1)?.toFixed(3)}`,
    );
  } finally {
    await pg.close();
  }
}
