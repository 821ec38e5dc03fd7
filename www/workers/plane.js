// The plane's engine: a module Web Worker serving the wasm `Plane` (src/wasm/plane.rs) over the
// shared protocol (js/rpc.js). The page drives it by animation frames: `frame` trains a few
// steps and answers with everything the view draws (metrics, the grid outputs behind the points
// and inside every neuron, the weights, the gradient norms), so training and drawing never race;
// while training, the page keeps a few calls queued so this worker never waits on the page. The
// wasm build is the one js/wasm_build.js picks (relaxed SIMD where the browser has it).
import { serve, transfer } from "../js/rpc.js";
import { loadWasm } from "../js/wasm_build.js";

/** The engine's `Plane` class and the build it came from, once loaded. */
let Plane = null;
let wasmBuild = null;

/** The one trainer; rebuilt by `build`, replaced only once the new one exists. */
let plane = null;

/**
 * The run's history: the weights and losses at kept steps, for scrubbing back through it. At most
 * HISTORY_KEEP snapshots of a few hundred floats each: when full, every other one goes and the
 * spacing between kept steps doubles, so the whole run stays covered.
 */
const HISTORY_KEEP = 256;
const history = { snapshots: [], spacing: 1 };

function record(p, metrics) {
  const list = history.snapshots;
  const last = list.at(-1);
  if (last && metrics.step < last.step + history.spacing) return;
  list.push({ step: metrics.step, trainLoss: metrics.trainLoss, testLoss: metrics.testLoss, testAccuracy: metrics.testAccuracy, weights: p.paramsFlat() });
  if (list.length > HISTORY_KEEP) {
    history.snapshots = list.filter((_, i) => i % 2 === 0 || i === list.length - 1);
    history.spacing *= 2;
  }
}

function need() {
  if (!plane) throw new Error("no plane built yet");
  return plane;
}

function points() {
  const p = need().points();
  return transfer(p, [p.train.xy.buffer, p.train.target.buffer, p.test.xy.buffer, p.test.target.buffer]);
}

const ops = {
  /** A fresh trainer for `config` (src/points/config.rs's PlaneConfig); answers its points. */
  async build({ config }) {
    // `create` serves both backends (`config.backend`: "cpu", the default, or "gpu" for WebGPU).
    const next = await Plane.create(config);
    plane?.free();
    plane = next;
    history.snapshots = [];
    history.spacing = 1;
    record(plane, plane.metrics());
    return points();
  },

  points,

  /** The points `config` generates, without keeping a trainer (the dataset buttons' previews). */
  preview({ config }) {
    const p = new Plane({ ...config, backend: "cpu" });
    try {
      const pts = p.points();
      return transfer(pts, [pts.train.xy.buffer, pts.train.target.buffer, pts.test.xy.buffer, pts.test.target.buffer]);
    } finally {
      p.free();
    }
  },

  setOptimizer({ changes }) {
    return need().setOptimizer(changes);
  },

  addPoint({ x, y, target }) {
    need().addPoint(x, y, target);
    return points();
  },

  /** 'relaxed-simd' or 'simd128': the wasm build this worker runs. */
  wasmBuild() {
    return wasmBuild;
  },

  /** The kept steps: `[{step, trainLoss, testLoss, testAccuracy}]`, oldest first. */
  history() {
    return history.snapshots.map(({ weights, ...rest }) => rest);
  },

  /**
   * Train `steps` steps (0 to only look), then the grid outputs for an `n x n` heatmap. With
   * `budgetMs`, training stops early once that much time is spent (one step at least), so a long
   * epoch cannot stall the view; `trained` in the answer says how many ran. A failing step (a
   * non-finite loss) still answers the picture, with `error` set. With
   * `view` (an index into `history()`), nothing trains: the picture is of that kept snapshot
   * (the live weights are put back after), and the answer has `view: {index, step}`.
   */
  async frame({ steps = 0, n = 48, view = null, budgetMs = null }) {
    const p = need();
    let error = null;
    let trained = 0;
    const t0 = performance.now();
    const snap = view === null ? null : history.snapshots[view];
    if (view !== null && !snap) throw new Error(`no kept step ${view} (there are ${history.snapshots.length})`);
    try {
      if (steps > 0 && !snap) trained = await train(p, steps, budgetMs);
    } catch (e) {
      error = e.message ?? String(e);
    }
    const trainMs = performance.now() - t0;
    // A kept snapshot is only shown (the engine keeps training from the live weights).
    if (snap) p.viewParamsFlat(snap.weights);
    let metrics, grid, weights, gradNorms, gridMs;
    try {
      metrics = p.metrics();
      const beforeGrid = performance.now();
      grid = p.grid(n);
      gridMs = performance.now() - beforeGrid;
      weights = p.weights().map(({ name, shape, data }) => ({ name, shape, data }));
      gradNorms = p.gradNorms();
    } finally {
      if (snap) p.viewParamsFlat();
    }
    if (!snap && steps > 0) record(p, metrics);
    // Every array moves instead of being copied (each has its own buffer; the Set in case not).
    const buffers = new Set([grid.output.buffer, ...grid.hidden.map((h) => h.buffer), gradNorms.buffer, ...weights.map((w) => w.data.buffer)]);
    const engineMs = performance.now() - t0;
    const kept = history.snapshots.length;
    const viewInfo = snap ? { index: view, step: snap.step } : null;
    return transfer({ metrics, grid, weights, gradNorms, error, trained, trainMs, gridMs, engineMs, kept, view: viewInfo, stepsPerEpoch: p.stepsPerEpoch() }, [...buffers]);
  },
};

/**
 * `steps` steps, or with `budgetMs` as many as fit in that time (one at least); answers how many
 * ran. The steps go in chunks of about half the time left at the pace so far: a handful of
 * calls per frame, overshooting the budget by about one step at most.
 */
async function train(p, steps, budgetMs) {
  // A GPU step is a dispatch and a readback: it goes in one call, uncapped.
  if (!(budgetMs > 0) || p.backend() === "gpu") {
    await p.stepAsync(steps);
    return steps;
  }
  const start = performance.now();
  let done = 0;
  let chunk = 1;
  while (done < steps) {
    const k = Math.min(chunk, steps - done);
    await p.stepAsync(k);
    done += k;
    const spent = performance.now() - start;
    if (spent >= budgetMs) break;
    // The clock may be coarse (100 us steps): a pace read as 0 counts as 0.1 ms for all so far.
    chunk = Math.max(1, Math.floor((budgetMs - spent) / (Math.max(spent, 0.1) / done) / 2));
  }
  return done;
}

// Every op waits for the wasm module, instantiated once on the first call (a failure to load it
// is that call's error; listening at once means no early call is lost).
let ready = null;
const engineReady = () =>
  (ready ??= loadWasm().then((loaded) => {
    Plane = loaded.wasm.Plane;
    wasmBuild = loaded.build;
  }));
serve(Object.fromEntries(Object.entries(ops).map(([op, run]) => [op, async (args) => (await engineReady(), run(args))])));
