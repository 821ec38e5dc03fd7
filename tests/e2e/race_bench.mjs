// A race in the page, printed as its table (not a test). Default: the three optimizers (the
// "SGD vs momentum vs Adam" preset) on the CNN on the CPU, 300 steps each, target 90% validation
// accuracy, final test accuracy on all 10,000 t10k images.
//   node tests/e2e/race_bench.mjs [model:backend] [preset]   (STEPS=300 TARGET=0.9)
import { openPlayground } from "./page_helpers.mjs";
import { PRESETS } from "../../www/js/race.js";

const [model, backend] = (process.argv[2] ?? "cnn:cpu").split(":");
const preset = process.argv[3] ?? "optimizers";
const steps = Number(process.env.STEPS ?? 300);
const target = Number(process.env.TARGET ?? 0.9);

const pg = await openPlayground(`#model=${model}&backend=${backend}&init=fresh`);
try {
  const { page } = pg;
  const t0 = Date.now();
  const rows = await page.evaluate(
    ({ configs, steps, target }) => window.playground.race(configs, { steps, target, testLimit: 10000 }),
    { configs: PRESETS[preset].configs, steps, target },
  );
  const s = await page.evaluate(() => window.playground.state());
  console.log(`${PRESETS[preset].label}, ${model} on ${s.backend}, batch ${s.batch}, ${steps} steps each, in ${((Date.now() - t0) / 1000).toFixed(0)} s:`);
  console.log(`| run | steps to ${target * 100}% val. | seconds to it | best val. loss | final test acc. (n) | training s |`);
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.stepsToTarget ?? "not reached"} | ${r.secondsToTarget ?? "–"} | ${r.bestValLoss?.toFixed(4) ?? "–"} | ${(100 * r.finalTestAccuracy).toFixed(2)}% (${r.testN}) | ${r.seconds} |`);
  }
} finally {
  await pg.close();
}
