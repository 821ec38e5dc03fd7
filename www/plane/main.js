// The plane page: wiring only. One worker (www/workers/plane.js) owns the trainer; while playing,
// each animation frame draws one answer of the worker's (an epoch of steps, at most STEP_BUDGET_MS
// of them, and the grid outputs) and asks for the next, PIPELINE kept queued so the worker never
// waits on the page; the network diagram is painted by a worker of its own (network.js). The
// settings live in the address (state.js).
import { connect } from "../js/rpc.js";
import { Controls } from "./controls.js";
import { NetworkView } from "./network.js";
import { PlotView, drawPreview } from "./view.js";
import { DATASETS, defaults, engineConfig, fromHash, merge, needsRebuild, problemOf, toHash } from "./state.js";
import { installApi } from "./api.js";
import { Readout } from "./readout.js";
import { Curves } from "./curves.js";
import { workerUrl } from "../js/wasm_build.js";

/** Grid cells per side of every heatmap (the output and each neuron). */
export const GRID = 48;
/**
 * Live frame calls kept queued (in flight or answered and not yet drawn). With one, the worker
 * idled while its answer crossed to the page and the next call crossed back (19 ms a frame under
 * load). Measured under load (6x8 tanh spiral, 6 s each, two runs): with two, 15 % of animation
 * frames found no answer to draw; with three, 6 %, and as many or more frames drawn. The cost:
 * the view shows the training as it was up to three frames (~50 ms) ago.
 */
const PIPELINE = 3;
/**
 * Most milliseconds of training per frame (then the grid outputs, ~1-8 ms more): an epoch of a
 * small batch over many points is cut short rather than stalling the view. TensorFlow
 * Playground trains one epoch per frame, however long.
 */
const STEP_BUDGET_MS = 6;

const $ = (id) => document.getElementById(id);
// `?wasm=` in the page's address picks the worker's wasm build (js/wasm_build.js).
const worker = new Worker(workerUrl(new URL("../workers/plane.js", import.meta.url)), { type: "module" });
const engine = connect(worker, { name: "plane worker" });

const app = {
  settings: defaults(),
  playing: false,
  calls: new Set(), // the frame calls in progress
  queue: [], // live frames that arrived, oldest first, to draw one per animation frame
  holds: 0, // while > 0 (settle), no live frame is asked for
  last: null, // the last frame's answer
  points: null,
  frameTimes: [], // when each of the recent frames was drawn (ms)
  intervals: [], // ms between consecutive drawn frames while playing
  generation: 0, // bumps on every rebuild, so a stale frame is dropped
  chartSkip: 0,
};

function message(text, kind = "error") {
  $("message-text").textContent = text;
  $("message").className = kind === "info" ? "info" : "";
  $("message").hidden = !text;
}
$("message-close").addEventListener("click", () => message(""));

const curves = new Curves($("loss-chart"), $("flow"));
const plot = new PlotView($("heatmap"), $("points"), { onClick: (x, y) => addPoint(x, y) });
const network = new NetworkView($("network"), $("neuron-buttons"), {
  onWidth: (h, delta) => {
    const layers = [...app.settings.layers];
    layers[h] = Math.max(1, Math.min(8, layers[h] + delta));
    change({ layers });
  },
});
const readout = new Readout($);
const controls = new Controls({
  onChange: (c) => change(c),
  onPreview: (name, canvas) => preview(name, canvas),
});
$("show-test").addEventListener("change", (e) => plot.setShowTest(e.target.checked));
$("discretize").addEventListener("change", (e) => {
  plot.discretize = e.target.checked;
  if (app.last) plot.drawHeatmap(app.last.grid);
});
$("play").addEventListener("click", () => (app.playing ? pause() : start()));
$("step").addEventListener("click", () => step(1));
$("reset").addEventListener("click", () => reset());
$("add-layer").addEventListener("click", () => change({ layers: [...app.settings.layers, 2] }));
$("remove-layer").addEventListener("click", () => change({ layers: app.settings.layers.slice(0, -1) }));

async function preview(name, canvas) {
  const d = DATASETS[name];
  const config = { ...engineConfig({ ...defaults(), dataset: name }), points: 200 };
  try {
    drawPreview(canvas, await engine.call("preview", { config }), d.problem);
  } catch (e) {
    message(`preview of ${name}: ${e.message}`);
  }
}

/** Wait for the frames in flight (if any) and drop the undrawn ones: the caller goes next. */
async function settle() {
  app.holds++;
  try {
    while (app.calls.size) await Promise.allSettled([...app.calls]);
  } finally {
    app.holds--;
  }
  app.queue = [];
}

/** A new trainer for `app.settings` (new data, fresh weights); the curves restart. */
async function rebuild() {
  app.generation++;
  await settle();
  app.points = await engine.call("build", { config: engineConfig(app.settings) });
  curves.clear();
  network.setShape(app.settings.features, app.settings.layers);
  plot.setPoints(app.points, problemOf(app.settings));
  await frame(0);
}

/**
 * Merge `change` into the settings, apply it (live or by a rebuild) and keep the address. A
 * refused change (here or by the engine) shows its reason, keeps the settings before it, and
 * rejects (for `configure`).
 */
async function apply(opts) {
  const before = app.settings;
  try {
    const next = merge(before, opts);
    app.settings = next;
    controls.show(next);
    history.replaceState(null, "", toHash(next));
    if (needsRebuild(before, next)) {
      await rebuild();
    } else {
      await settle();
      await engine.call("setOptimizer", {
        changes: { kind: next.optimizer, lr: next.lr, l1: next.l1, weight_decay: next.l2 },
      });
    }
    message("");
  } catch (e) {
    message(e.message);
    if (app.settings !== before) {
      app.settings = before;
      controls.show(before);
      history.replaceState(null, "", toHash(before));
    }
    throw e;
  }
}

/** For the controls: the message is already shown. */
const change = (c) => apply(c).catch(() => {});

/**
 * Ask the worker for `steps` steps and a picture. `live` frames (the training loop) join the
 * queue that the animation frames draw from, one each; the others (pause, step, a rebuild) draw
 * at once, before they resolve. Every frame's losses go into the curves as it arrives, drawn or not.
 */
function frame(steps, { live = false, view = null } = {}) {
  const generation = app.generation;
  const budgetMs = live ? STEP_BUDGET_MS : null;
  const call = engine.call("frame", { steps, n: GRID, view, budgetMs }).then((f) => {
    if (generation !== app.generation) return f;
    curves.remember(f);
    if (live && !f.error && app.playing) {
      app.queue.push(f);
    } else {
      // A failed step is drawn at once (it pauses and shows its message together), and so is a
      // live frame that arrives after a pause: the view shows where the training stopped.
      app.queue = [];
      draw(f);
    }
    return f;
  });
  const tracked = call.finally(() => app.calls.delete(tracked));
  tracked.catch(() => {}); // the caller handles `call`'s failure
  app.calls.add(tracked);
  return call;
}

/** While playing, keep PIPELINE live frames queued (asked for or waiting to be drawn). */
function refill() {
  while (app.playing && !app.holds && app.last && app.calls.size + app.queue.length < PIPELINE) {
    frame(app.last.stepsPerEpoch, { live: true }).catch((e) => {
      app.playing = false;
      message(e.message);
    });
  }
}

function draw(f) {
  app.last = f;
  const m = f.metrics;
  if (f.error) {
    app.playing = false;
    message(f.error);
  }
  const now = performance.now();
  if (app.playing && app.frameTimes.length) {
    app.intervals.push(now - app.frameTimes[app.frameTimes.length - 1]);
    if (app.intervals.length > 2000) app.intervals.shift();
  }
  app.frameTimes.push(now);
  if (app.frameTimes.length > 60) app.frameTimes.shift();
  app.viewing = f.view;
  const t0 = performance.now();
  plot.drawHeatmap(f.grid);
  const t1 = performance.now();
  network.draw(f.grid, f.weights);
  const t2 = performance.now();
  app.timing = { engineMs: f.engineMs, trainMs: f.trainMs, gridMs: f.gridMs, heatmapMs: t1 - t0, networkMs: t2 - t1 };
  // The curves change little between two frames: redrawn on every third one while playing.
  if (!app.playing || ++app.chartSkip % 3 === 0) curves.draw(app.settings.layers);
  // The numbers last: no DOM write comes before a canvas reads its size this frame.
  readout.show({ metrics: m, playing: app.playing, fps: fps(), engine: engineName(), kept: f.kept, view: f.view });
}

/** Where the plane trains, for the status line: the GPU, or the CPU in the wasm build this browser runs. */
function engineName() {
  if (app.settings.backend === "gpu") return "GPU (WebGPU)";
  return app.wasmBuild === "relaxed-simd" ? "CPU (wasm, relaxed SIMD)" : "CPU (wasm)";
}

/**
 * Show kept snapshot `index` of the run (training pauses; the live weights stay as they are and
 * ▶ trains on from them); an index past the last kept one shows the live model again.
 */
async function view(index) {
  app.playing = false;
  await settle();
  const kept = app.last?.kept ?? 0;
  await frame(0, index >= kept ? {} : { view: index });
}
$("history").addEventListener("input", (e) => {
  view(Number(e.target.value)).catch((err) => message(err.message));
});

/** Frames drawn per second over the recent ones. */
function fps() {
  const t = app.frameTimes;
  if (t.length < 2) return 0;
  return ((t.length - 1) * 1000) / (t[t.length - 1] - t[0]);
}

/**
 * One display frame: draw the oldest undrawn answer (one per frame, so every epoch is shown and
 * a burst of answers still plays out smoothly), then ask for more. A hidden tab gets no
 * animation frames, so it asks for nothing and training waits.
 */
function loop() {
  requestAnimationFrame(loop);
  const f = app.queue.shift();
  if (f) draw(f);
  refill();
}

function start() {
  app.playing = true;
  app.frameTimes = [];
  $("play").textContent = "❚❚";
}

async function pause() {
  app.playing = false;
  await settle();
  await frame(0);
}

async function step(n = 1) {
  app.playing = false;
  await settle();
  await frame(n);
}

async function reset() {
  app.playing = false;
  await rebuild();
}

async function addPoint(x, y) {
  try {
    await settle();
    app.points = await engine.call("addPoint", { x, y, target: controls.clickTarget() });
    plot.setPoints(app.points, problemOf(app.settings));
  } catch (e) {
    message(e.message);
  }
}

async function predictGrid(n = GRID) {
  await settle();
  const f = await engine.call("frame", { steps: 0, n });
  return { n: f.grid.n, outputs: f.grid.outputs, values: Array.from(f.grid.output) };
}

function state() {
  const m = app.last?.metrics;
  return {
    ready: !!app.last,
    training: app.playing,
    step: m?.step ?? 0,
    trainLoss: m?.trainLoss ?? null,
    testLoss: m?.testLoss ?? null,
    trainAccuracy: m?.trainAccuracy ?? null,
    testAccuracy: m?.testAccuracy ?? null,
    fps: app.playing ? fps() : 0,
    settings: JSON.parse(JSON.stringify(app.settings)),
    points: app.points ? app.points.train.target.length + app.points.test.target.length : 0,
    /** The kept step the view shows (the history slider), or null for the live model. */
    viewing: app.viewing ? app.viewing.step : null,
    /** Where the last frame's time went: the worker's (steps + metrics + grid) and the redraws'. */
    timing: app.timing ?? null,
    /** The wasm build the worker runs: 'relaxed-simd' or 'simd128' (js/wasm_build.js). */
    wasmBuild: app.wasmBuild ?? null,
  };
}

async function boot() {
  let initial = defaults();
  try {
    initial = fromHash(location.hash);
  } catch (e) {
    message(`${e.message}; starting from the defaults`);
  }
  app.settings = initial;
  controls.show(initial);
  history.replaceState(null, "", toHash(initial));
  app.wasmBuild = await engine.call("wasmBuild");
  try {
    await rebuild();
  } catch (e) {
    // An address asking for the GPU on a page without WebGPU: say why and train on the CPU.
    if (initial.backend !== "gpu") throw e;
    message(`${e.message}; training on the CPU instead`);
    app.settings = { ...initial, backend: "cpu" };
    controls.show(app.settings);
    history.replaceState(null, "", toHash(app.settings));
    await rebuild();
  }
  $("status").textContent = `${engineName()} · paused: ▶ trains`;
  requestAnimationFrame(loop);
  return state();
}

// A new width moves the network's columns and the +/- buttons over them: redraw at once, even paused.
let resizeQueued = false;
window.addEventListener("resize", () => {
  if (resizeQueued || !app.last) return;
  resizeQueued = true;
  requestAnimationFrame(() => {
    resizeQueued = false;
    network.setShape(app.settings.features, app.settings.layers);
    draw(app.last);
    plot.drawPoints();
  });
});

window.addEventListener("hashchange", () => {
  let next;
  try {
    next = fromHash(location.hash);
  } catch (e) {
    message(e.message);
    return;
  }
  change(next);
});

const ready = boot();
ready.catch((e) => {
  $("status").textContent = "The engine could not start";
  message(e.message);
});
/** The kept steps, `[{step, trainLoss, testLoss, testAccuracy}]`. */
async function keptSteps() {
  await settle();
  return engine.call("history");
}

/** Show the kept step nearest `step` (null: live again). */
async function viewStep(step) {
  if (step === null || step === undefined) return view(Infinity);
  if (!Number.isFinite(step)) throw new Error(`view needs a step number or null, got ${JSON.stringify(step)}`);
  const kept = await keptSteps();
  let best = 0;
  kept.forEach((k, i) => {
    if (Math.abs(k.step - step) < Math.abs(kept[best].step - step)) best = i;
  });
  return view(best);
}

installApi({ ready, state, apply, start, pause, step, reset, predictGrid, history: keptSteps, viewStep, intervals: () => [...app.intervals], grid: GRID });
