// Long-run soak of the playground (not a test, not in CI: nothing is asserted). For each
// model:backend[:workers] given, it trains in the page for `--minutes` and every `--every`
// seconds records the main thread's and each worker's JS heap, the engine's live GPU buffers and
// the step rate over the interval, then prints a table; a run that grows or slows shows it.
//
//   node tests/e2e/soak_bench.mjs --minutes 3 mlp:cpu mlp:gpu cnn:cpu
//   node tests/e2e/soak_bench.mjs --root /other/checkout/www --minutes 3 mlp:cpu   # another build
//
// Heaps come from performance.measureUserAgentSpecificMemory() (the page is cross-origin
// isolated; it attributes bytes to the window and to each worker by URL), measured eagerly
// (Chromium otherwise waits for the next GC, up to 20 s); performance.memory's used heap of the
// main thread is printed beside it. GPU buffers: www/workers/gpu_watch.js's count in the engine
// worker (absent in builds without it). `state ms`: how long one playground.state() takes.
import { launchChromium, openPage, startSite, waitForPlayground, WWW_DIR } from "./harness.mjs";

function parseArgs(argv) {
  const opts = { minutes: 3, every: 15, root: WWW_DIR, runs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--minutes") opts.minutes = Number(argv[++i]);
    else if (a === "--every") opts.every = Number(argv[++i]);
    else if (a === "--root") opts.root = argv[++i];
    else opts.runs.push(a);
  }
  if (!opts.runs.length) opts.runs = ["mlp:cpu", "mlp:gpu"];
  return opts;
}

const MB = (b) => (b == null ? "-" : (b / 2 ** 20).toFixed(1));
const workerName = (url) => (url.match(/workers\/(\w+)\.js/) ?? url.match(/(\w+)\.js/) ?? [, "worker"])[1];

/** One sample: heaps by context, the engine's GPU buffers, the step, state()'s cost. */
async function sample(page) {
  const inPage = await page.evaluate(async () => {
    const t = performance.now();
    const s = window.playground.state();
    const stateMs = performance.now() - t;
    let breakdown = null;
    if (self.crossOriginIsolated && performance.measureUserAgentSpecificMemory) {
      const m = await performance.measureUserAgentSpecificMemory();
      breakdown = m.breakdown.flatMap((b) => b.attribution.map((a) => ({ bytes: b.bytes / b.attribution.length, url: a.url, scope: a.scope })));
    }
    return {
      step: s.step,
      backend: s.backend,
      loss: s.loss.at(-1),
      lossLength: s.loss.length,
      stateMs,
      mainUsed: performance.memory?.usedJSHeapSize ?? null,
      breakdown,
    };
  });
  const heaps = {};
  for (const b of inPage.breakdown ?? []) {
    const name = b.scope === "Window" ? "main" : b.scope === "DedicatedWorkerGlobalScope" ? workerName(b.url) : null;
    if (name) heaps[name] = (heaps[name] ?? 0) + b.bytes;
  }
  let gpu = null;
  for (const w of page.workers()) {
    if (!/engine\.js/.test(w.url())) continue;
    gpu = await w.evaluate(() => self.gardenGpuWatch?.counts() ?? null).catch(() => null);
  }
  return { ...inPage, heaps, gpu, t: Date.now() };
}

async function soak(run, { minutes, every, root }) {
  const [model, backend, workers] = run.split(":");
  const site = await startSite(root);
  const browser = await launchChromium({ args: ["--enable-blink-features=ForceEagerMeasureMemory"] });
  const rows = [];
  try {
    const { page } = await openPage(browser, `${site.url}#model=${model}&backend=${backend}`);
    await waitForPlayground(page);
    if (workers) await page.evaluate((n) => window.playground.configure({ workers: n }), workers === "auto" ? "auto" : Number(workers));
    await page.evaluate(() => window.playground.setAutoTest?.(false));
    await page.evaluate(() => window.playground.start());
    const end = Date.now() + minutes * 60_000;
    let prev = await sample(page);
    rows.push({ ...prev, rate: null });
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(every * 1000, Math.max(0, end - Date.now()))));
      const s = await sample(page);
      rows.push({ ...s, rate: ((s.step - prev.step) * 1000) / (s.t - prev.t) });
      prev = s;
    }
    await page.evaluate(() => window.playground.pause());
  } finally {
    await browser.close();
    await site.close();
  }
  return rows;
}

function print(run, rows) {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.heaps)))].sort((a, b) => (a === "main" ? -1 : b === "main" ? 1 : a.localeCompare(b)));
  const t0 = rows[0].t;
  console.log(`\n${run} (backend ${rows.at(-1).backend}): heaps in MB (measureUserAgentSpecificMemory), main used = performance.memory`);
  const head = ["min", "step", "steps/s", ...names.map((n) => `${n} MB`), "main used MB", "GPU bufs", "state ms", "loss"];
  console.log(head.join("\t"));
  for (const r of rows) {
    console.log([
      ((r.t - t0) / 60_000).toFixed(2),
      r.step,
      r.rate == null ? "-" : r.rate.toFixed(0),
      ...names.map((n) => MB(r.heaps[n])),
      MB(r.mainUsed),
      r.gpu ? `${r.gpu.buffersAlive} (${r.gpu.buffersCreated} made)` : "-",
      r.stateMs.toFixed(2),
      r.loss?.toFixed(3) ?? "-",
    ].join("\t"));
  }
  const rates = rows.filter((r) => r.rate != null).map((r) => r.rate);
  const early = rates.slice(0, 2), late = rates.slice(-2);
  const avg = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  console.log(
    `summary ${run}: ${rows.at(-1).step} steps in ${((rows.at(-1).t - t0) / 60_000).toFixed(1)} min; steps/s early ${avg(early).toFixed(0)}, late ${avg(late).toFixed(0)}; ` +
      names.map((n) => `${n} ${MB(rows[0].heaps[n])} -> ${MB(rows.at(-1).heaps[n])} MB`).join(", ") +
      (rows.at(-1).gpu ? `; GPU buffers ${rows[1]?.gpu?.buffersAlive ?? rows[0].gpu.buffersAlive} -> ${rows.at(-1).gpu.buffersAlive}` : ""),
  );
}

const opts = parseArgs(process.argv.slice(2));
for (const run of opts.runs) print(run, await soak(run, opts));
