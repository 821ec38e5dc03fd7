// The playground page: wires the drawing pad, the training controls, the charts and the model
// inspectors to the engine worker, and exposes the same actions as `window.playground`.
import { DrawPad } from "./js/draw.js";
import { alphaOf, toMnist } from "./js/preprocess.js";
import { LineChart, smooth } from "./js/chart.js";
import { Builder, specToRows } from "./js/builder.js";
import { renderActivations, renderConfusion, renderFirstWeights, imageCanvas } from "./js/inspect.js";
import * as Config from "./js/config.js";

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- worker RPC
/** `{call(op, args, transfer)}` over a worker speaking {id, op, args} -> {id, ok, result|error}. */
function rpc(worker, onEvent) {
  let nextId = 1;
  const pending = new Map();
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.id === undefined) return onEvent(m);
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (!p) return;
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  };
  return (op, args = {}, transfer = []) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args }, transfer);
    });
}
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
/** Call an operation in the engine worker; resolves with its result or rejects with its message. */
const call = rpc(worker, (m) => onEvent(m));
worker.onerror = (e) => {
  const text = e.message || "the engine worker failed to start (is www/pkg built?)";
  showMessage(`Engine error: ${text}`);
  $("backend").textContent = "Engine not running";
  rejectReady(new Error(text));
};

// The predictor worker answers the drawing pad from a copy of the weights (www/predictor.js).
const predictorWorker = new Worker(new URL("./predictor.js", import.meta.url), { type: "module" });
const pcall = rpc(predictorWorker, () => {});
const P = { ok: false, broken: false, syncing: false, again: false, version: 0, synced: -1, lastSync: 0 };
predictorWorker.onerror = () => {
  P.broken = true;
};
const predictorStarted = pcall("init").then(
  () => {
    P.ok = true;
  },
  () => {
    P.broken = true;
  },
);

/** The weights changed (a step, a new session, a load): the predictor's copy is now behind. */
function weightsChanged({ now = false } = {}) {
  P.version++;
  if (now || !S.training || performance.now() - P.lastSync > 1000) syncPredictor();
}

async function syncPredictor() {
  if (P.broken) return;
  if (P.syncing) {
    P.again = true;
    return;
  }
  P.syncing = true;
  P.lastSync = performance.now();
  try {
    await predictorStarted;
    if (!P.ok) return;
    const version = P.version;
    const bytes = await call("exportModel");
    await pcall("load", { bytes }, [bytes.buffer]);
    P.synced = version;
  } catch {
    // A predictor that cannot follow is retired: the engine worker answers instead.
    P.broken = true;
  } finally {
    P.syncing = false;
  }
  if (P.again || (!S.training && P.synced !== P.version)) {
    P.again = false;
    syncPredictor();
  } else if (input && !S.training) requestPrediction();
}

/** Use the predictor while training (a copy up to ~1 s old is fine) or when it is exactly current. */
function predictorUsable() {
  return P.ok && !P.broken && P.synced >= 0 && (S.training || P.synced === P.version);
}

// ---------------------------------------------------------------- page state
const S = {
  ready: false,
  info: null,
  config: Config.defaults(),
  training: false,
  step: 0,
  epoch: 0,
  samplesPerSec: 0,
  history: [], // {step, epoch, loss, accuracy, lr}
  validation: [], // {step, loss, accuracy}
  test: [], // {step, loss, accuracy}
  lrMarks: [], // {step, lr}
  marks: [], // {step, label}: other settings changed mid-run (new session, same weights)
  stepOffset: 0, // the current session's step 0 is this step of the run shown
  epochOffset: 0,
  stats: new Map(), // tensor name -> [{step, grad, ratio}]
  lastTest: null,
  fault: null,
  pretrained: false,
  latencies: [], // ms, draw input -> probabilities shown
};
let input = null; // the 784 floats the model sees now (drawing or a test image)
let inputSource = "draw";
let resolveReady, rejectReady;
const ready = new Promise((res, rej) => {
  resolveReady = res;
  rejectReady = rej;
});
ready.catch(() => {});

// ---------------------------------------------------------------- messages
function showMessage(text, kind = "error") {
  const box = $("message");
  $("message-text").textContent = text;
  box.className = kind === "error" ? "" : "info";
  box.hidden = false;
}
function hideMessage() {
  $("message").hidden = true;
}
$("message-close").addEventListener("click", hideMessage);

// ---------------------------------------------------------------- worker events
function onEvent(m) {
  switch (m.event) {
    case "status":
      S.training = m.training;
      if (m.info) S.info = m.info;
      if (m.note) showMessage(m.note, "info");
      renderStatus();
      break;
    case "metrics":
      onMetrics(m);
      break;
    case "evaluation":
      onEvaluation(m);
      break;
    case "stats":
      onStats(m);
      break;
    case "fault":
      onFault(m);
      break;
    case "rebuilt":
      onRebuilt(m);
      break;
  }
}

function onMetrics(m) {
  for (const raw of m.records) {
    const r = { ...raw, step: raw.step + S.stepOffset, epoch: raw.epoch + S.epochOffset };
    if (pendingLrMark !== null && Math.abs(r.lr - pendingLrMark) <= 1e-6 * pendingLrMark) placeLrMark(r.step);
    S.history.push(r);
  }
  const last = m.records.length ? S.history[S.history.length - 1] : null;
  if (last) {
    S.step = last.step + 1;
    S.epoch = last.epoch;
  }
  S.samplesPerSec = m.samplesPerSec;
  if (m.records.length) weightsChanged();
  renderProgress();
  scheduleCharts();
  refreshWhileTraining();
}

function onEvaluation(m) {
  const point = { step: m.step + 1 + S.stepOffset, loss: m.result.loss, accuracy: m.result.accuracy, n: m.result.n };
  if (m.which === "validation") S.validation.push(point);
  else {
    S.test.push(point);
    showTest(m.result);
  }
  scheduleCharts();
}

function onStats(m) {
  for (const s of m.stats) {
    const grad = s.grad_norm ?? s.gradNorm;
    const weight = s.weight_norm ?? s.weightNorm;
    const update = s.update_norm ?? s.updateNorm;
    if (!S.stats.has(s.name)) S.stats.set(s.name, []);
    S.stats.get(s.name).push({ step: m.step + S.stepOffset, grad, ratio: weight > 0 ? update / weight : NaN });
  }
  if ($("inside-box").open) scheduleGradCharts();
}

/** The worker replaced the session on its own (the GPU failed): follow it. */
function onRebuilt(m) {
  S.info = m.info;
  S.config = { ...S.config, backend: m.config.backend };
  if (m.keptWeights) {
    S.marks.push({ step: S.step, label: `${m.config.backend} (${m.reason})` });
    S.stepOffset = S.step;
    S.epochOffset = S.epoch;
  } else clearHistory();
  weightsChanged({ now: true });
  writeHash();
  syncControls();
  renderStatus();
}

function onFault(m) {
  S.fault = m.message;
  if (m.kind !== "warning") weightsChanged({ now: true });
  if (m.kind === "nonfinite") {
    S.training = false;
    showMessage(`Training paused: ${m.message}.`);
  } else if (m.kind === "gpu") {
    showMessage(m.message, "info");
  } else if (m.kind === "warning") {
    showMessage(m.message, "info");
  } else {
    S.training = false;
    showMessage(`Training stopped: ${m.message}`);
  }
  renderStatus();
}

// ---------------------------------------------------------------- status / progress
function renderStatus() {
  const i = S.info;
  const el = $("backend");
  if (i) {
    const kind = i.kind === "gpu" ? "WebGPU" : "CPU (wasm)";
    let text = `Backend: ${kind} — ${i.adapter || "unnamed adapter"}`;
    if (i.kind === "cpu") {
      text += ` · ${i.workers ?? 1} worker${i.workers === 2 ? "s" : ""}`;
      if (i.workersSetting === "auto") text += " (auto)";
    }
    if (i.probe) text += ` · auto: ${i.probe.reason}`;
    else if (i.fallback && i.kind === "gpu") text += " (a software GPU: the CPU backend may train faster)";
    let full = text;
    if (i.gpuUnavailable) {
      // The engine's reason can run to a paragraph: the first clause here, all of it on hover.
      const short = i.gpuUnavailable.split("\n")[0].split(" (")[0].split("; ")[0].slice(0, 140);
      text += ` · GPU unavailable: ${short}`;
      full += ` · GPU unavailable: ${i.gpuUnavailable}`;
    }
    el.textContent = text;
    el.className = i.kind;
    el.title = full;
    $("model-info").textContent =
      `${describeModel(S.config.model)} · ${i.parameters.toLocaleString()} parameters · ` +
      `${i.trainSize} train / ${i.validationSize} validation / ${i.testSize} test images · ` +
      `${i.stepsPerEpoch} steps per epoch${S.pretrained ? " · started from the pretrained model" : ""}`;
  }
  $("start").disabled = !S.ready || S.training;
  $("pause").disabled = !S.ready || !S.training;
  $("step").disabled = !S.ready || S.training;
  $("start").textContent = S.training ? "Training…" : "Train";
}

function describeModel(m) {
  if (m === "mlp") return "MLP";
  if (m === "cnn") return "CNN";
  return "custom model";
}

function renderProgress() {
  $("epoch").textContent = S.epoch;
  $("step-count").textContent = S.step;
  $("sps").textContent = S.samplesPerSec ? Math.round(S.samplesPerSec).toLocaleString() : "–";
  const recent = S.history.slice(-20);
  if (recent.length) {
    const loss = recent.reduce((a, r) => a + r.loss, 0) / recent.length;
    const acc = recent.reduce((a, r) => a + r.accuracy, 0) / recent.length;
    $("train-loss").textContent = Math.abs(loss) < 1000 ? loss.toFixed(4) : loss.toPrecision(3);
    $("train-acc").textContent = `${(100 * acc).toFixed(1)}%`;
  } else {
    $("train-loss").textContent = "–";
    $("train-acc").textContent = "–";
  }
}

// ---------------------------------------------------------------- charts
const lossChart = new LineChart($("loss-chart"), { yMin: 0, emptyText: "press Train to see the loss" });
const accChart = new LineChart($("acc-chart"), { yMin: 0, yMax: 1, emptyText: "accuracy appears here" });
const gradChart = new LineChart($("grad-chart"), { logY: true, emptyText: "gradient norms appear while training" });
const ratioChart = new LineChart($("ratio-chart"), { logY: true, emptyText: "update/weight ratios appear while training" });
const PALETTE = ["#2f7d4f", "#c0392b", "#2c6fbb", "#b35c00", "#7b4bb3", "#16837a", "#a0407a", "#6b6b00", "#444", "#d4a017"];

let chartsScheduled = false;
function scheduleCharts() {
  if (chartsScheduled) return;
  chartsScheduled = true;
  setTimeout(() => {
    chartsScheduled = false;
    drawCharts();
  }, 150);
}

function drawCharts() {
  const loss = S.history.map((r) => [r.step, r.loss]);
  const acc = S.history.map((r) => [r.step, r.accuracy]);
  // Smooth over ~1/20 of the run (bounded), so short runs are not dominated by EMA lag.
  const alpha = Math.min(0.98, Math.max(0.6, 1 - 20 / Math.max(1, loss.length)));
  lossChart.setSeries([
    { name: "train", color: "rgba(47,125,79,0.28)", points: loss, width: 1 },
    { name: "train (smoothed)", color: "#2f7d4f", points: smooth(loss, alpha), width: 2 },
    { name: "validation", color: "#c0392b", points: S.validation.map((p) => [p.step, p.loss]), dots: true },
  ]);
  lossChart.setMarkers([
    ...S.lrMarks.map((m) => ({ x: m.step, label: `lr ${fmtLr(m.lr)}` })),
    ...S.marks.map((m) => ({ x: m.step, label: m.label })),
  ]);
  accChart.setSeries([
    { name: "train (smoothed)", color: "#2f7d4f", points: smooth(acc, alpha), width: 2 },
    { name: "validation", color: "#c0392b", points: S.validation.map((p) => [p.step, p.accuracy]), dots: true },
    { name: "test", color: "#2c6fbb", points: S.test.map((p) => [p.step, p.accuracy]), dots: true },
  ]);
}

let gradScheduled = false;
function scheduleGradCharts() {
  if (gradScheduled) return;
  gradScheduled = true;
  setTimeout(() => {
    gradScheduled = false;
    const names = [...S.stats.keys()].filter((n) => n.endsWith("weight"));
    gradChart.setSeries(names.map((n, i) => ({ name: n, color: PALETTE[i % PALETTE.length], points: S.stats.get(n).map((p) => [p.step, p.grad]) })));
    ratioChart.setSeries(names.map((n, i) => ({ name: n, color: PALETTE[i % PALETTE.length], points: S.stats.get(n).map((p) => [p.step, p.ratio]) })));
  }, 300);
}

function clearHistory() {
  S.history = [];
  S.validation = [];
  S.test = [];
  S.lrMarks = [];
  S.marks = [];
  S.stepOffset = 0;
  S.epochOffset = 0;
  S.stats = new Map();
  S.step = 0;
  S.epoch = 0;
  S.samplesPerSec = 0;
  S.fault = null;
  renderProgress();
  drawCharts();
  scheduleGradCharts();
}

// ---------------------------------------------------------------- drawing and prediction
const pad = new DrawPad($("draw"), (reason, t) => onDrawn(t));
const probs = $("probs");
const bars = [];
for (let d = 0; d < 10; d++) {
  const li = document.createElement("li");
  li.innerHTML = `<span class="digit">${d}</span><span class="bar"><span></span></span><span class="pct">–</span>`;
  probs.append(li);
  bars.push(li);
}
$("undo").addEventListener("click", () => pad.undo());
$("clear").addEventListener("click", () => pad.clear());

function showInput(pixels) {
  const ctx = $("input28").getContext("2d");
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = Math.round(255 * pixels[i]);
    img.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

function onDrawn(t) {
  inputSource = "draw";
  $("input-source").textContent = "model input (28×28)";
  if (pad.isEmpty()) {
    input = null;
    showInput(new Float32Array(784));
    showProbs(null);
    return;
  }
  const W = $("draw").width, H = $("draw").height;
  input = toMnist(alphaOf(pad.pixels(), W, H), W, H);
  showInput(input);
  requestPrediction(t, true);
}

let predicting = false;
let waitingSince = null; // time stamp of the oldest input not yet reflected in the bars
let drawing = false; // the pending prediction follows a pen stroke (the worker favours those)
function requestPrediction(t = performance.now(), interactive = false) {
  if (waitingSince === null) waitingSince = t;
  drawing = drawing || interactive;
  if (predicting || !S.ready || !input) return;
  predicting = true;
  const since = waitingSince;
  const fromPen = drawing;
  waitingSince = null;
  drawing = false;
  const pixels = input;
  const viaPredictor = predictorUsable();
  (viaPredictor ? pcall("predict", { pixels }) : call("predict", { pixels, interactive: fromPen }))
    .then((p) => {
      if (!input) return; // cleared meanwhile
      // Shown even if the pen has moved on since: the freshest answer beats none, and the
      // next request (already due) catches up. Latency: oldest input it covers -> shown.
      showProbs(p);
      if (fromPen) {
        S.latencies.push(performance.now() - since);
        if (S.latencies.length > 500) S.latencies.shift();
        const l = latencyStats();
        $("latency").textContent = `draw → prediction: median ${l.median.toFixed(0)} ms, p95 ${l.p95.toFixed(0)} ms (${l.n} updates)`;
      }
      if ($("inside-box").open) requestActivations();
    })
    .catch((e) => {
      if (viaPredictor) P.broken = true;
      else showMessage(`Prediction failed: ${e.message}`);
    })
    .finally(() => {
      predicting = false;
      if (waitingSince !== null) requestPrediction(waitingSince, drawing);
    });
}

function showProbs(p) {
  let top = -1;
  if (p) top = p.reduce((best, v, i) => (v > p[best] ? i : best), 0);
  for (let d = 0; d < 10; d++) {
    const li = bars[d];
    li.classList.toggle("top", d === top);
    li.querySelector(".bar span").style.width = p ? `${(100 * p[d]).toFixed(1)}%` : "0";
    li.querySelector(".pct").textContent = p ? `${(100 * p[d]).toFixed(1)}%` : "–";
  }
  $("prediction").textContent = p ? String(top) : "–";
  $("confidence").textContent = p ? `${(100 * p[top]).toFixed(1)}% sure` : "";
}

function latencyStats() {
  const xs = [...S.latencies].sort((a, b) => a - b);
  const q = (f) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(f * xs.length))] : NaN);
  return { n: xs.length, median: q(0.5), p95: q(0.95) };
}

// While training, the same drawing is re-classified now and then so the bars follow the model.
let lastLiveRefresh = 0;
function refreshWhileTraining() {
  const now = performance.now();
  if (now - lastLiveRefresh < 700) return;
  lastLiveRefresh = now;
  if (input && !predicting) requestPrediction(now);
  if ($("inside-box").open && now - lastWeightsRefresh > 3000) refreshWeights();
}

// ---------------------------------------------------------------- look inside
let activationsBusy = false;
function requestActivations() {
  if (activationsBusy || !input) return;
  activationsBusy = true;
  call("activations", { pixels: input })
    .then((layers) => renderActivations($("activations"), layers))
    .catch((e) => {
      $("activations").textContent = `Activations unavailable: ${e.message}`;
    })
    .finally(() => {
      activationsBusy = false;
    });
}

let lastWeightsRefresh = 0;
function refreshWeights() {
  lastWeightsRefresh = performance.now();
  call("params", { first: 1 })
    .then((ps) => renderFirstWeights($("weights"), ps[0]))
    .catch((e) => {
      $("weights").textContent = `Weights unavailable: ${e.message}`;
    });
}

function refreshInside() {
  if (!S.ready) return;
  if (input) requestActivations();
  refreshWeights();
  scheduleGradCharts();
}
$("inside-box").addEventListener("toggle", () => {
  if ($("inside-box").open) refreshInside();
});
$("refresh-inside").addEventListener("click", refreshInside);

// ---------------------------------------------------------------- test evaluation
let testRun = 0;
async function showTest(result) {
  S.lastTest = result;
  $("test-result").textContent =
    `Test accuracy: ${(100 * result.accuracy).toFixed(2)}% on ${result.n} t10k images (loss ${result.loss.toFixed(4)})`;
  renderConfusion($("confusion"), result.confusion);
  const run = ++testRun;
  const box = $("mistakes");
  box.textContent = "";
  const shown = result.mistakes.slice(0, 60);
  if (!shown.length) box.innerHTML = '<p class="hint">No mistakes.</p>';
  for (const [index, label, pred] of shown) {
    const { pixels } = await call("testImage", { index });
    if (run !== testRun) return;
    const b = document.createElement("button");
    b.type = "button";
    b.title = `test image ${index}: a ${label} classified as ${pred}`;
    b.setAttribute("aria-label", b.title);
    b.append(imageCanvas(pixels), `${label}→${pred}`);
    b.addEventListener("click", () => useTestImage(index, label, pixels));
    box.append(b);
  }
}

function useTestImage(index, label, pixels) {
  inputSource = "test";
  pad.strokes = [];
  pad.redraw();
  input = pixels;
  showInput(pixels);
  $("input-source").textContent = `test image #${index} (label ${label})`;
  requestPrediction(performance.now());
  if ($("inside-box").open) requestActivations();
  $("draw-panel").scrollIntoView({ behavior: "smooth", block: "nearest" });
}

async function evaluate(which = "test", limit) {
  await ready;
  $("evaluate").disabled = true;
  try {
    return await call("evaluate", { which, limit });
  } finally {
    $("evaluate").disabled = false;
  }
}
$("evaluate").addEventListener("click", () => {
  $("test-result").textContent = "Evaluating on t10k…";
  evaluate("test").catch((e) => showMessage(`Evaluation failed: ${e.message}`));
});
$("auto-test").addEventListener("change", () => call("setAutoTest", { on: $("auto-test").checked }));

// ---------------------------------------------------------------- controls
const lrFromSlider = (v) => +(10 ** Number(v)).toPrecision(3);
const fmtLr = (lr) => (lr >= 0.01 ? String(+lr.toPrecision(3)) : lr.toExponential(1));

function syncControls() {
  const c = S.config;
  $("model").value = typeof c.model === "string" ? c.model : "custom";
  $("builder").hidden = typeof c.model === "string";
  if (typeof c.model !== "string") builder.setRows(specToRows(c.model));
  $("backend-select").value = c.backend;
  $("optimizer").value = c.optimizer.kind;
  setLrControl(c.optimizer.lr);
  $("batch").value = String(c.batch);
  $("l2").value = c.optimizer.weight_decay ?? 0;
  $("shift").value = c.augment.shift;
  $("shift-value").textContent = c.augment.shift;
  $("rotate").value = c.augment.rotate;
  $("rotate-value").textContent = c.augment.rotate;
  $("val-split").value = String(c.validation);
}

function setLrControl(lr) {
  $("lr").value = Math.log10(lr).toFixed(2);
  $("lr-value").textContent = fmtLr(lr);
  $("lr").setAttribute("aria-valuetext", fmtLr(lr));
}

function writeHash() {
  const hash = Config.toHash(S.config, { pretrained: S.pretrained });
  lastHash = hash;
  if (location.hash !== hash) history.replaceState(null, "", hash);
}
let lastHash = "";

/** Apply options: live knobs go to the running session; anything structural rebuilds it. */
async function configure(opts = {}, { keepWeights } = {}) {
  await ready.catch(() => {});
  // Not a session setting: the number of training workers changes between two steps.
  if (opts.workers !== undefined) await call("setWorkers", { workers: opts.workers });
  const next = Config.merge(S.config, opts);
  const rebuild = Config.needsRebuild(S.config, next) || opts.rebuild;
  if (!rebuild) {
    const o = next.optimizer, p = S.config.optimizer;
    if (o.lr !== p.lr || o.weight_decay !== p.weight_decay || o.momentum !== p.momentum) {
      await setOptimizer({ lr: o.lr, weight_decay: o.weight_decay ?? 0, ...(o.momentum !== undefined ? { momentum: o.momentum } : {}) });
    }
    if (JSON.stringify(next.augment) !== JSON.stringify(S.config.augment)) {
      await call("setAugment", { augment: next.augment });
    }
    S.config = next;
    writeHash();
    syncControls();
    return state();
  }
  const sameSpec = JSON.stringify(next.model) === JSON.stringify(S.config.model);
  setBusy(true, "Building the model…");
  try {
    const keep = keepWeights ?? sameSpec;
    const res = await call("configure", { config: next, keepWeights: keep });
    const prev = S.config;
    S.config = next;
    S.info = res.info;
    S.pretrained = S.pretrained && sameSpec && keep;
    S.training = false;
    weightsChanged({ now: true });
    if (keep && sameSpec) {
      // Same weights in a new session: the run goes on, its curves continue, and the change is
      // marked on the loss chart.
      const what = [];
      if (prev.backend !== next.backend) what.push(next.backend);
      if (prev.batch !== next.batch) what.push(`batch ${next.batch}`);
      if (prev.optimizer.kind !== next.optimizer.kind) what.push(next.optimizer.kind);
      if (prev.validation !== next.validation) what.push(`val ${next.validation}`);
      if (S.step > 0 && what.length) S.marks.push({ step: S.step, label: what.join(", ") });
      S.stepOffset = S.step;
      S.epochOffset = S.epoch;
      scheduleCharts();
    } else clearHistory();
    writeHash();
    hideMessage();
    return state();
  } catch (e) {
    showMessage(`Could not build that model: ${e.message}. The previous model is still loaded.`);
    throw e;
  } finally {
    syncControls();
    setBusy(false);
    renderStatus();
    if (input) requestPrediction();
  }
}

function setBusy(busy, text) {
  for (const id of ["model", "backend-select", "optimizer", "batch", "val-split", "reset", "apply-arch", "save-model"]) {
    $(id).disabled = busy;
  }
  if (busy && text) $("model-info").textContent = text;
}

// f32 round trip: 0.01 comes back as 0.009999999776; show and report what the user set.
const f32ish = (x) => (typeof x === "number" ? +x.toPrecision(6) : x);

async function setOptimizer(changes) {
  const res = await call("setOptimizer", { changes });
  const optimizer = Object.fromEntries(Object.entries(res.optimizer).map(([k, v]) => [k, f32ish(v)]));
  const lrChanged = optimizer.lr !== S.config.optimizer.lr;
  S.config.optimizer = { ...S.config.optimizer, ...optimizer };
  if (lrChanged) {
    // The mark goes where the first step with the new rate shows up in the metrics.
    pendingLrMark = optimizer.lr;
    if (!S.training) placeLrMark(S.step);
  }
  return optimizer;
}

let pendingLrMark = null;
function placeLrMark(step) {
  const lr = pendingLrMark;
  pendingLrMark = null;
  const last = S.lrMarks[S.lrMarks.length - 1];
  if (last && last.step === step) last.lr = lr;
  else S.lrMarks.push({ step, lr });
  scheduleCharts();
}

async function setLearningRate(lr) {
  lr = Number(lr);
  if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`learning rate must be a positive number, got ${lr}`);
  await ready;
  setLrControl(lr);
  await setOptimizer({ lr });
  writeHash();
  return S.config.optimizer.lr;
}

// The slider is logarithmic; while dragging, at most one change is in flight.
let lrTimer = null;
$("lr").addEventListener("input", () => {
  const lr = lrFromSlider($("lr").value);
  $("lr-value").textContent = fmtLr(lr);
  clearTimeout(lrTimer);
  lrTimer = setTimeout(() => setLearningRate(lr).catch((e) => showMessage(e.message)), 120);
});
$("lr").addEventListener("change", () => {
  clearTimeout(lrTimer);
  setLearningRate(lrFromSlider($("lr").value)).catch((e) => showMessage(e.message));
});
for (const id of ["shift", "rotate"]) {
  $(id).addEventListener("input", () => {
    $(`${id}-value`).textContent = $(id).value;
  });
  $(id).addEventListener("change", () =>
    configure({ [id]: Number($(id).value) }).catch(() => {}),
  );
}
$("l2").addEventListener("change", () => {
  const v = Number($("l2").value);
  if (!(v >= 0)) {
    showMessage("L2 must be a number ≥ 0");
    $("l2").value = S.config.optimizer.weight_decay ?? 0;
    return;
  }
  configure({ l2: v }).catch(() => {});
});
$("optimizer").addEventListener("change", () => configure({ optimizer: $("optimizer").value }).catch(() => {}));
$("batch").addEventListener("change", () => configure({ batch: Number($("batch").value) }).catch(() => {}));
$("val-split").addEventListener("change", () => configure({ validation: Number($("val-split").value) }).catch(() => {}));
$("backend-select").addEventListener("change", () => configure({ backend: $("backend-select").value }).catch(() => {}));
$("model").addEventListener("change", () => {
  const v = $("model").value;
  if (v === "custom") {
    $("builder").hidden = false;
    if (typeof S.config.model === "string") {
      call("presetSpec", { name: S.config.model }).then((spec) => {
        builder.setRows(specToRows(spec));
        checkArch();
      });
    }
    return;
  }
  $("builder").hidden = true;
  configure({ model: v }).catch(() => {});
});

const builder = new Builder($("builder"), () => checkArch());
async function checkArch() {
  try {
    const n = await call("checkSpec", { spec: builder.spec() });
    $("arch-info").textContent = `${n.toLocaleString()} parameters. Press “Build this model” to train it.`;
    return true;
  } catch (e) {
    $("arch-info").textContent = `Not a valid model: ${e.message}`;
    return false;
  }
}
$("apply-arch").addEventListener("click", async () => {
  if (await checkArch()) configure({ model: builder.spec() }).catch(() => {});
});

async function start() {
  await ready;
  hideMessage();
  await call("start");
  S.training = true;
  renderStatus();
}
async function pause() {
  await ready;
  await call("pause");
  S.training = false;
  weightsChanged({ now: true });
  renderStatus();
}
async function step(n = 1) {
  await ready;
  try {
    await call("step", { steps: n });
  } catch (e) {
    if (!/finite/i.test(e.message)) showMessage(`Step failed: ${e.message}`);
  }
  return state();
}
async function reset() {
  await ready;
  return configure({ rebuild: true }, { keepWeights: false });
}
$("start").addEventListener("click", () => start().catch((e) => showMessage(e.message)));
$("pause").addEventListener("click", () => pause().catch((e) => showMessage(e.message)));
$("step").addEventListener("click", () => step(1));
$("reset").addEventListener("click", () => reset().catch(() => {}));

// ---------------------------------------------------------------- keep and share
function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}
async function exportModel() {
  await ready;
  return await call("exportModel");
}
$("save-model").addEventListener("click", async () => {
  try {
    const bytes = await exportModel();
    const name = typeof S.config.model === "string" ? S.config.model : "custom";
    download(new Blob([bytes], { type: "application/octet-stream" }), `gradient-garden-${name}-step${S.step}.safetensors`);
  } catch (e) {
    showMessage(`Saving failed: ${e.message}`);
  }
});

/** Load a .safetensors file (bytes); a corrupt file leaves the current model untouched. */
async function loadModel(bytes) {
  await ready;
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  setBusy(true, "Loading the model…");
  try {
    const res = await call("loadModel", { bytes: data });
    S.info = res.info;
    S.pretrained = false;
    S.training = false;
    weightsChanged({ now: true });
    if (res.rebuilt) {
      S.config = { ...S.config, model: res.config.model };
      clearHistory();
    }
    writeHash();
    showMessage(res.rebuilt ? "Loaded the model (a different architecture: a new session was built)." : "Loaded the weights.", "info");
    if (input) requestPrediction();
    return state();
  } catch (e) {
    showMessage(`Could not load that model file: ${e.message}. The current model is unchanged.`);
    throw e;
  } finally {
    syncControls();
    setBusy(false);
    renderStatus();
  }
}
$("load-model").addEventListener("change", async () => {
  const file = $("load-model").files[0];
  if (!file) return;
  try {
    await loadModel(new Uint8Array(await file.arrayBuffer()));
  } catch {
    /* shown already */
  }
  $("load-model").value = "";
});

function curvesCsv() {
  const lines = ["series,step,epoch,loss,accuracy,lr"];
  for (const r of S.history) lines.push(`train,${r.step},${r.epoch},${r.loss},${r.accuracy},${r.lr}`);
  for (const p of S.validation) lines.push(`validation,${p.step},,${p.loss},${p.accuracy},`);
  for (const p of S.test) lines.push(`test,${p.step},,${p.loss},${p.accuracy},`);
  return lines.join("\n") + "\n";
}
$("export-csv").addEventListener("click", () => download(new Blob([curvesCsv()], { type: "text/csv" }), "gradient-garden-curves.csv"));
$("export-png").addEventListener("click", () => {
  const a = $("loss-chart"), b = $("acc-chart");
  const c = document.createElement("canvas");
  c.width = Math.max(a.width, b.width);
  c.height = a.height + b.height;
  const ctx = c.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.drawImage(a, 0, 0);
  ctx.drawImage(b, 0, a.height);
  c.toBlob((blob) => download(blob, "gradient-garden-curves.png"), "image/png");
});
$("copy-link").addEventListener("click", async () => {
  writeHash();
  try {
    await navigator.clipboard.writeText(location.href);
    showMessage("Link copied.", "info");
  } catch {
    showMessage(`Copy this link: ${location.href}`, "info");
  }
});
window.addEventListener("hashchange", () => {
  if (location.hash === lastHash) return;
  const parsed = Config.fromHash(location.hash);
  if (parsed.error) {
    showMessage(parsed.error);
    writeHash();
    return;
  }
  configure(parsed.config).catch(() => {});
});

// ---------------------------------------------------------------- scripting surface
function state() {
  const i = S.info ?? {};
  return {
    ready: S.ready,
    backend: i.kind ?? null,
    adapter: i.adapter ?? null,
    fallback: i.fallback ?? null,
    gpuUnavailable: i.gpuUnavailable ?? null,
    /** Workers that train each step: 1 or 2 (2 only on the CPU backend). */
    workers: i.workers ?? null,
    /** 1, 2 or 'auto' (the default with 2+ cores: the faster count, timed while training). */
    workersSetting: i.workersSetting ?? null,
    /** Under 'auto' on a software GPU: `{chosen, reason, cpuMsPerStep, gpuMsPerStep}` of the timed probe. */
    probe: i.probe ? { ...i.probe } : null,
    model: JSON.parse(JSON.stringify(S.config.model)),
    spec: i.spec ?? null,
    parameters: i.parameters ?? null,
    batch: S.config.batch,
    optimizer: { ...S.config.optimizer },
    augment: { ...S.config.augment },
    validation: S.config.validation,
    training: S.training,
    step: S.step,
    epoch: S.epoch,
    lr: S.config.optimizer.lr,
    samplesPerSec: S.samplesPerSec,
    loss: S.history.map((r) => r.loss),
    lastMetrics: S.history.length ? { ...S.history[S.history.length - 1] } : null,
    validationHistory: S.validation.map((p) => ({ ...p })),
    testHistory: S.test.map((p) => ({ ...p })),
    lrChanges: S.lrMarks.map((m) => ({ ...m })),
    fault: S.fault,
    pretrained: S.pretrained,
    latency: latencyStats(),
    predictionPending: predicting || waitingSince !== null || (!S.training && P.syncing),
  };
}

async function predict(pixels) {
  await ready;
  if (!pixels || pixels.length !== 784) throw new Error("predict needs 784 pixel values in [0, 1]");
  const p = await call("predict", { pixels: Float32Array.from(pixels) });
  return Array.from(p);
}

window.playground = {
  ready,
  state,
  configure: (opts) => configure(opts),
  setLearningRate,
  start,
  pause,
  step,
  reset,
  predict,
  evaluate,
  exportModel,
  loadModel,
  /** The 784 floats the model currently sees (the preprocessed drawing), or null. */
  input: () => (input ? Array.from(input) : null),
  activations: async (pixels) => call("activations", { pixels: Float32Array.from(pixels ?? input) }),
  layerStats: async () => call("layerStats"),
  /**
   * Make the engine's next training cycle fail with `text`, e.g. "GPU error: device lost";
   * `where = 'helper'`: the second training worker's next part fails instead.
   */
  injectFault: async (text, where) => call("injectFault", { text, where }),
  curvesCsv,
};

// ---------------------------------------------------------------- start-up
async function boot() {
  const parsed = Config.fromHash(location.hash);
  if (parsed.error) showMessage(parsed.error);
  S.config = parsed.config;
  syncControls();
  renderStatus();
  drawCharts();
  try {
    const res = await call("init", { config: S.config, tryPretrained: !parsed.modelFromHash || parsed.pretrained, pretrainedMustMatch: parsed.modelFromHash });
    S.info = res.info;
    S.config = { ...S.config, model: res.config.model };
    S.pretrained = res.pretrained;
    S.ready = true;
    weightsChanged({ now: true });
    syncControls();
    writeHash();
    renderStatus();
    resolveReady(state());
  } catch (e) {
    showMessage(`The engine could not start: ${e.message}`);
    $("backend").textContent = "Engine not running";
    rejectReady(e);
  }
}
boot();
