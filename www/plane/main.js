// The plane page: wiring only. One worker (www/workers/plane.js) owns the trainer; each animation
// frame asks it for one epoch of steps (while playing) and the grid outputs, then redraws the
// heatmap, the network and the charts. The settings live in the address (state.js).
import { connect } from "../js/rpc.js";
import { LineChart } from "../js/chart.js";
import { Controls } from "./controls.js";
import { NetworkView } from "./network.js";
import { PlotView, drawPreview } from "./view.js";
import { DATASETS, defaults, engineConfig, fromHash, merge, needsRebuild, problemOf, toHash } from "./state.js";
import { installApi } from "./api.js";

/** Grid cells per side of every heatmap (the output and each neuron). */
export const GRID = 48;
/** Loss points kept per curve; beyond it every other one is dropped (the curve keeps its shape). */
const CURVE_KEEP = 1200;

const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL("../workers/plane.js", import.meta.url), { type: "module" });
const engine = connect(worker, { name: "plane worker" });

const app = {
  settings: defaults(),
  playing: false,
  inFlight: null, // the frame call in progress
  pending: null, // a live frame that arrived, to draw at the next animation frame
  last: null, // the last frame's answer
  points: null,
  curves: { train: [], test: [] },
  flow: [], // per weight tensor: [[step, grad norm]]
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

const lossChart = new LineChart($("loss-chart"), { xLabel: "step", yMin: 0 });
const flowChart = new LineChart($("flow"), { xLabel: "step", logY: true, emptyText: "gradient norms appear once it trains" });
const plot = new PlotView($("heatmap"), $("points"), { onClick: (x, y) => addPoint(x, y) });
const network = new NetworkView($("network"), $("neuron-buttons"), {
  onWidth: (h, delta) => {
    const layers = [...app.settings.layers];
    layers[h] = Math.max(1, Math.min(8, layers[h] + delta));
    change({ layers });
  },
});
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

/** Wait for the frame in flight (if any); frames never overlap. */
async function settle() {
  while (app.inFlight) await app.inFlight.catch(() => {});
  app.pending = null;
}

/** A new trainer for `app.settings` (new data, fresh weights); the curves restart. */
async function rebuild() {
  app.generation++;
  await settle();
  app.points = await engine.call("build", { config: engineConfig(app.settings) });
  app.curves = { train: [], test: [] };
  app.flow = [];
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
 * Ask the worker for `steps` steps and a picture. `live` frames (the training loop) ask for the
 * next one as soon as this one arrives, so the worker trains while the page draws, and leave
 * the picture for the next animation frame (at most one drawing per display frame); the others
 * (pause, step, a rebuild) draw it before they resolve.
 */
function frame(steps, { live = false, view = null } = {}) {
  const generation = app.generation;
  const call = engine.call("frame", { steps, n: GRID, view }).then((f) => {
    if (app.inFlight === tracked) app.inFlight = null;
    if (generation !== app.generation) return f;
    if (live && !f.error) {
      app.pending = f;
      kick();
    } else {
      // A failed step is drawn at once: it pauses and shows its message together.
      app.pending = null;
      draw(f);
    }
    return f;
  });
  const tracked = call.finally(() => {
    if (app.inFlight === tracked) app.inFlight = null;
  });
  tracked.catch(() => {}); // the caller handles `call`'s failure
  app.inFlight = tracked;
  return call;
}

/** While playing, keep one live frame in flight. */
function kick() {
  if (!app.playing || app.inFlight || !app.last) return;
  frame(app.last.stepsPerEpoch, { live: true }).catch((e) => {
    app.playing = false;
    message(e.message);
  });
}

function pushCurve(list, point) {
  list.push(point);
  if (list.length > CURVE_KEEP) {
    const kept = list.filter((_, i) => i % 2 === 0 || i === list.length - 1);
    list.length = 0;
    list.push(...kept);
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
  showHistory(f);
  const lastStep = app.curves.train.at(-1)?.[0];
  if (!f.view && lastStep !== m.step) {
    pushCurve(app.curves.train, [m.step, m.trainLoss]);
    pushCurve(app.curves.test, [m.step, m.testLoss]);
    f.weights.forEach((w, i) => {
      if (!w.name.endsWith(".weight")) return;
      app.flow[i] ??= [];
      if (m.step > 0) pushCurve(app.flow[i], [m.step, f.gradNorms[i]]);
    });
  }
  const t0 = performance.now();
  plot.drawHeatmap(f.grid);
  const t1 = performance.now();
  network.draw(f.grid, f.weights);
  const t2 = performance.now();
  app.timing = { engineMs: f.engineMs, heatmapMs: t1 - t0, networkMs: t2 - t1 };
  // The curves change little between two frames: redrawn on every third one while playing.
  if (app.playing && ++app.chartSkip % 3 !== 0) return updateNumbers(m);
  lossChart.setSeries([
    { name: "test", color: "#222", points: app.curves.test },
    { name: "training", color: "#999", points: app.curves.train },
  ]);
  const names = app.settings.layers.map((_, h) => `layer ${h + 1}`).concat("output");
  flowChart.setSeries(
    app.flow.map((pts, i) => (pts ? { name: names[i / 2] ?? `tensor ${i}`, color: `hsl(${(i / 2) * 67} 60% 42%)`, points: pts } : null)).filter(Boolean),
  );
  updateNumbers(m);
}

function updateNumbers(m) {
  $("step-count").textContent = String(m.step);
  $("train-loss").textContent = m.trainLoss.toFixed(3);
  $("test-loss").textContent = m.testLoss.toFixed(3);
  $("test-acc").textContent = m.testAccuracy === null ? "–" : `${(m.testAccuracy * 100).toFixed(1)}%`;
  $("fps-line").textContent = app.playing ? `${fps().toFixed(0)} fps while training` : "paused";
  $("play").textContent = app.playing ? "⏸" : "▶";
  $("play").setAttribute("aria-label", app.playing ? "pause" : "train");
  $("status").textContent = `${app.settings.backend === "gpu" ? "GPU (WebGPU)" : "CPU (wasm)"} · ${app.playing ? "training" : app.viewing ? `showing step ${app.viewing.step} of the history` : "paused: ▶ trains"}`;
}

/** The history slider: one position per kept step, the last one is the live model. */
function showHistory(f) {
  const slider = $("history");
  slider.max = String(f.kept);
  slider.value = String(f.view ? f.view.index : f.kept);
  $("history-out").textContent = f.view ? `step ${f.view.step} (kept ${f.view.index + 1} of ${f.kept})` : `live (step ${f.metrics.step})`;
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

function loop() {
  requestAnimationFrame(loop);
  if (app.pending) {
    const f = app.pending;
    app.pending = null;
    draw(f);
  }
  kick();
}

function start() {
  app.playing = true;
  app.frameTimes = [];
  $("play").textContent = "⏸";
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
  $("status").textContent = `${app.settings.backend === "gpu" ? "GPU (WebGPU)" : "CPU (wasm)"} · paused: ▶ trains`;
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
