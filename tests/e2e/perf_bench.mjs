// Page throughput (not a test: speed is never asserted). Prints samples/s of the playground's
// training loop for each (model, backend[, workers]) given on the command line, e.g.
//   node tests/e2e/perf_bench.mjs mlp:cpu cnn:cpu cnn:gpu mlp:cpu:1 mlp:cpu:2
// (workers: 1, 2 or auto training workers on the CPU backend; left out, the page's default; a
// fourth field picks the wasm build, e.g. mlp:cpu:1:simd128 or mlp:cpu:2:relaxed-simd, left out
// the one the browser gets: www/js/wasm_build.js).
// The number is the median of the page's own samplesPerSec readings over ~8 s of training (its
// training cycles only), then the wall-clock rate over the same time (evaluations included).
// First it prints how much a second worker can get here at all: two busy JS workers against
// one (on a machine shared with other programs, a second core may be mostly taken).
import { openPlayground } from "./page_helpers.mjs";

/**
 * Work done in 1.5 s by two spinning workers together, over one alone. The spinners are blob:
 * workers, which the playground's content security policy refuses, so they run in a blank tab.
 */
async function secondCore(playgroundPage) {
  const page = await playgroundPage.context().newPage();
  await page.goto("about:blank");
  const measured = page.evaluate(async () => {
    const src = `onmessage = () => { const t = performance.now(); let n = 0, x = 0;
      while (performance.now() - t < 1500) { for (let i = 0; i < 1e5; i++) x += Math.sqrt(i); n++; }
      postMessage(n + (x < 0 ? 1 : 0)); }`;
    const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
    const spin = (k) =>
      Promise.all(
        Array.from({ length: k }, () => new Promise((done) => {
          const w = new Worker(url);
          w.onmessage = (e) => { w.terminate(); done(e.data); };
          w.postMessage(0);
        })),
      );
    const [one] = await spin(1);
    const two = await spin(2);
    return { ratio: (two[0] + two[1]) / one, cores: navigator.hardwareConcurrency };
  });
  try {
    return await measured;
  } finally {
    await page.close();
  }
}

const runs = process.argv.slice(2);
{
  const pg = await openPlayground("#model=mlp&backend=cpu");
  try {
    const { ratio, cores } = await secondCore(pg.page);
    console.log(`${cores} cores; two busy workers do ${ratio.toFixed(2)}x the work of one here`);
  } finally {
    await pg.close();
  }
}
for (const run of runs.length ? runs : ["mlp:cpu", "cnn:cpu"]) {
  const [model, backend, workers, build] = run.split(":");
  const batch = model === "mlp" ? 128 : 64;
  const query = build ? `?wasm=${build}` : "";
  const pg = await openPlayground(`${query}#model=${model}&backend=${backend}&batch=${batch}`);
  try {
    const n = workers === "auto" ? "auto" : Number(workers);
    if (workers) await pg.page.evaluate((n) => window.playground.configure({ workers: n }), n);
    // DEFAULTS=1 keeps the page's automatic evaluations (validation, test at epoch ends) on.
    if (!process.env.DEFAULTS) await pg.page.evaluate(() => window.playground.setAutoTest?.(false));
    await pg.page.evaluate(() => window.playground.start());
    const t0 = performance.now();
    const step0 = (await pg.page.evaluate(() => window.playground.state())).step;
    const seconds = model === "cnn" && backend === "gpu" ? 20 : 8;
    const readings = [];
    for (let i = 0; i < seconds * 2; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const s = await pg.page.evaluate(() => window.playground.state());
      if (s.samplesPerSec) readings.push(s.samplesPerSec);
    }
    const s = await pg.page.evaluate(() => window.playground.state());
    // Wall clock: every step over the whole time, evaluations and hand-overs included.
    const wall = ((s.step - step0) * batch * 1000) / (performance.now() - t0);
    readings.sort((a, b) => a - b);
    const median = readings[Math.floor(readings.length / 2)] ?? 0;
    console.log(
      `${run}: backend ${s.backend} (${s.adapter}), wasm ${s.wasmBuild}, ${s.workers} worker(s), median ${Math.round(median)} samples/s over ${readings.length} readings, wall clock ${Math.round(wall)} samples/s, step ${s.step}, loss ${s.loss.at(-1)?.toFixed(3)}`,
    );
  } finally {
    await pg.close();
  }
}
