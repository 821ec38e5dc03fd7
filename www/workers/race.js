// Races in the engine worker: two to four runs, each with its own settings, from the same
// initial weights (fresh ones from the same model and seed: src/init.rs) and the same batch order
// (the same seed shuffles the samples alike; a different batch size cuts the same order
// differently), trained side by side in this worker: rounds of CHUNK steps, one run after the
// other, so their curves grow together and none waits for the others to finish. Each run is its
// own wasm Session on the main run's backend (one worker each: a second worker would split time
// between runs, not speed them up). The main run pauses meanwhile and is not touched.
//
// Each run keeps its loss per step and a validation evaluation every `evalEvery` steps (on the
// first VAL_LIMIT validation images, so checks stay cheap); the table row says how many steps and
// seconds (its own training time) it took to first reach `target` validation accuracy, its best
// validation loss, and its final test accuracy (first `testLimit` t10k images). The runs' final
// weights stay until the next race, so one can become the main run (`adopt`).
import { merge } from "../js/settings.js";

const CHUNK = 8; // steps per run per round
const VAL_LIMIT = 1000;
const MAX_RUNS = 4;

export class Race {
  constructor(engine) {
    this.engine = engine;
    this.runs = []; // {name, cfg, weights} of the last race, for adopt
    this.running = false;
    this.stopping = false;
  }

  /** End the running race after the current round; its rows cover the steps trained. */
  stop() {
    if (this.running) this.stopping = true;
    return this.running;
  }

  /**
   * `configs`: 2..4 objects of configure options (plus an optional `name`), each merged into the
   * main run's settings; `opts`: {steps, target = 0.9, evalEvery, testLimit = 2000}.
   * `progress(update)` gets each round's new points. Resolves to the table's rows.
   */
  async run(configs, opts = {}, progress = () => {}) {
    const e = this.engine;
    e.requireSession();
    if (this.running) throw new Error("a race is already running");
    if (!Array.isArray(configs) || configs.length < 2 || configs.length > MAX_RUNS) {
      throw new Error(`race needs 2 to ${MAX_RUNS} configurations, got ${Array.isArray(configs) ? configs.length : JSON.stringify(configs)}`);
    }
    const steps = opts.steps ?? 300;
    if (!(Number.isInteger(steps) && steps >= 1 && steps <= 100000)) throw new Error(`race steps ${steps} is not a whole number in 1..100000`);
    const target = opts.target ?? 0.9;
    if (!(typeof target === "number" && target > 0 && target <= 1)) throw new Error(`race target accuracy ${target} is not in (0, 1]`);
    const evalEvery = opts.evalEvery ?? Math.max(CHUNK, Math.round(steps / 15 / CHUNK) * CHUNK);
    const testLimit = opts.testLimit ?? 2000;
    const base = { ...e.config, backend: e.info.kind };
    const plans = configs.map((c, i) => {
      if (!c || typeof c !== "object" || Array.isArray(c)) throw new Error(`race run ${i + 1} must be an object of settings like {lr: 0.01}`);
      const { name, ...options } = c;
      delete options.workers;
      const cfg = merge(base, options); // validated: a bad run refuses the whole race
      return { name: typeof name === "string" && name ? name : describe(options, i), cfg };
    });
    this.running = true;
    this.stopping = false;
    await e.loop.stop();
    const runs = [];
    try {
      for (const p of plans) {
        const session = await e.serial(() => e.factory.make(p.cfg, p.cfg.backend));
        runs.push({ ...p, session, step: 0, ms: 0, reached: null, bestValLoss: Infinity, val: [], loss: [] });
      }
      while (!this.stopping && runs.some((r) => r.step < steps)) {
        const update = [];
        for (const [i, r] of runs.entries()) {
          if (r.step >= steps) continue;
          const n = Math.min(CHUNK, steps - r.step);
          const t0 = performance.now();
          await e.serial(() => r.session.train(n));
          const records = await e.serial(() => r.session.metrics());
          r.ms += performance.now() - t0;
          r.step += n;
          const loss = records.map((m) => [m.step, m.loss]);
          r.loss.push(...loss);
          let val = null;
          if (r.step % evalEvery === 0 || r.step === steps || this.stopping) {
            const v = await e.serial(() => r.session.evaluate("validation", VAL_LIMIT));
            val = [r.step, v.loss, v.accuracy];
            r.val.push(val);
            r.bestValLoss = Math.min(r.bestValLoss, v.loss);
            if (r.reached === null && v.accuracy >= target) r.reached = { step: r.step, seconds: r.ms / 1000 };
          }
          update.push({ run: i, loss, val });
        }
        progress({ names: runs.map((r) => r.name), update });
        await e.loop.yieldToEvents();
      }
      const rows = [];
      for (const r of runs) {
        const test = await e.serial(() => r.session.evaluate("test", testLimit));
        rows.push({
          name: r.name,
          config: r.cfg,
          steps: r.step,
          stepsToTarget: r.reached?.step ?? null,
          secondsToTarget: r.reached ? +r.reached.seconds.toFixed(3) : null,
          bestValLoss: Number.isFinite(r.bestValLoss) ? r.bestValLoss : null,
          finalTestAccuracy: test.accuracy,
          testN: test.n,
          seconds: +(r.ms / 1000).toFixed(3),
          target,
        });
      }
      // Keep the final weights for `adopt`; free the sessions.
      this.runs = [];
      for (const r of runs) this.runs.push({ name: r.name, cfg: r.cfg, weights: await e.serial(() => r.session.exportSafetensors()) });
      return rows;
    } finally {
      for (const r of runs) e.serial(() => r.session.free());
      this.running = false;
    }
  }

  /** Make run `index` of the last race the main run: its settings and its final weights. */
  async adopt(index) {
    const r = this.runs[index];
    if (!r) throw new Error(`no race run ${index} to adopt (run a race first)`);
    const e = this.engine;
    await e.rebuild({ ...r.cfg, backend: e.config.backend }, r.weights);
    e.status();
    return { config: e.config, info: e.info, rebuilt: true, name: r.name };
  }
}

/** A run's label from the settings it changes, e.g. "sgd lr 0.01". */
function describe(options, i) {
  const parts = [];
  const o = options.optimizer;
  if (typeof o === "string") parts.push(o);
  else if (o && o.kind) parts.push(o.kind);
  if (options.lr !== undefined) parts.push(`lr ${options.lr}`);
  if (options.batch !== undefined) parts.push(`batch ${options.batch}`);
  if (options.l2 !== undefined) parts.push(`L2 ${options.l2}`);
  if (options.schedule) parts.push(typeof options.schedule === "string" ? options.schedule : options.schedule.kind);
  if (options.model && typeof options.model === "object") parts.push(options.model.layers?.some((l) => l.type === "dropout") ? "dropout" : "custom");
  return parts.length ? parts.join(" ") : `run ${i + 1}`;
}

/**
 * The engine worker's ops: race {configs, opts} -> rows (events: raceProgress), raceStop -> whether
 * a race was running (it ends after the current round), raceAdopt {index}.
 */
export function raceOps(engine) {
  let race = null;
  const get = () => (race ??= new Race(engine()));
  return {
    async race({ configs, opts }) {
      const e = engine();
      return await get().run(configs, opts, (update) => e.post("raceProgress", update));
    },
    async raceStop() {
      return get().stop();
    },
    async raceAdopt({ index }) {
      const result = await get().adopt(index);
      return { ...result, weightsVersion: engine().feed.version };
    },
  };
}
