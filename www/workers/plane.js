// The plane's engine: a module Web Worker serving the wasm `Plane` (src/wasm/plane.rs) over the
// shared protocol (js/rpc.js). The page drives it one animation frame at a time: `frame` trains
// a few steps and answers with everything the view draws (metrics, the grid outputs behind the
// points and inside every neuron, the weights, the gradient norms), so training and drawing
// never race and the page never waits for more than one frame's work.
import init, { Plane } from "../pkg/gradient_garden.js";
import { serve, transfer } from "../js/rpc.js";

/** The one trainer; rebuilt by `build`, replaced only once the new one exists. */
let plane = null;

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
  build({ config }) {
    const next = new Plane(config);
    plane?.free();
    plane = next;
    return points();
  },

  points,

  /** The points `config` generates, without keeping a trainer (the dataset buttons' previews). */
  preview({ config }) {
    const p = new Plane(config);
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

  /**
   * Train `steps` steps (0 to only look), then the grid outputs for an `n x n` heatmap.
   * A failing step (a non-finite loss) still answers the picture, with `error` set.
   */
  frame({ steps = 0, n = 48 }) {
    const p = need();
    let error = null;
    const t0 = performance.now();
    try {
      if (steps > 0) p.step(steps);
    } catch (e) {
      error = e.message ?? String(e);
    }
    const trainMs = performance.now() - t0;
    const metrics = p.metrics();
    const grid = p.grid(n);
    const weights = p.weights().map(({ name, shape, data }) => ({ name, shape, data }));
    const gradNorms = p.gradNorms();
    const buffers = [grid.output.buffer, ...grid.hidden.map((h) => h.buffer), gradNorms.buffer];
    const engineMs = performance.now() - t0;
    return transfer({ metrics, grid, weights, gradNorms, error, trainMs, engineMs, stepsPerEpoch: p.stepsPerEpoch() }, buffers);
  },
};

// Every op waits for the wasm module, instantiated once on the first call (a failure to load it
// is that call's error; listening at once means no early call is lost).
let ready = null;
const engineReady = () => (ready ??= init());
serve(Object.fromEntries(Object.entries(ops).map(([op, run]) => [op, async (args) => (await engineReady(), run(args))])));
