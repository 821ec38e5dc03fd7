// The labs page: the scaling-law sweep and the compression lab. The engine runs in three
// instances of labs/worker.js (sweep, compression table, drawing pad) so a training run never
// blocks a prediction; the power-law fit is a cheap synchronous call made here.
import init, { fitPowerLaw } from "../pkg/gradient_garden.js";
import { DrawPad } from "../js/draw.js";
import { alphaOf, toMnist } from "../js/preprocess.js";
import { ScatterPlot, fmtNumber } from "./plot.js";

const $ = (id) => document.getElementById(id);

/** A worker behind request/reply promises. */
class Engine {
  constructor(name) {
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = (e) => {
      const { id, ok, result, error } = e.data;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      ok ? p.resolve(result) : p.reject(new Error(error));
    };
    this.worker.onerror = (e) => {
      const err = new Error(`the ${name} engine failed to start: ${e.message || "worker error"}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      showMessage(err.message);
    };
  }

  call(op, args = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }
}

function showMessage(text, kind = "error") {
  const box = $("message");
  box.className = kind === "info" ? "info" : "";
  $("message-text").textContent = text;
  box.hidden = false;
}
$("message-close").addEventListener("click", () => ($("message").hidden = true));

/** Disable `startId` and enable `cancelId` (or back); focus follows so a keyboard user is not dropped. */
function running(startId, cancelId, on) {
  const from = document.activeElement;
  $(startId).disabled = on;
  $(cancelId).disabled = !on;
  if (on && from === $(startId)) $(cancelId).focus();
  if (!on && (from === $(cancelId) || from === document.body)) $(startId).focus();
}

const state = { points: [], fit: null, rows: [], sweeping: false, compressing: false, model: null };
const sweepEngine = new Engine("sweep");
const compressEngine = new Engine("compress");
const padEngine = new Engine("pad");
const fitReady = init();

// ---------------------------------------------------------------- the scaling law

const AXES = {
  mlp: { label: "Widths", hint: "MLP hidden units, comma-separated; one run each", sizes: "8, 16, 32, 64, 128, 256, 512" },
  cnn: { label: "Channel multipliers", hint: "CNN conv channels (the preset uses 32), comma-separated", sizes: "2, 4, 8, 16" },
  data: { label: "Fractions", hint: "fractions of the 9,000 training images (0 < f ≤ 1)", sizes: "0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1" },
};

const scalingPlot = new ScatterPlot($("scaling-chart"), {
  logX: true,
  logY: true,
  xLabel: "parameters",
  yLabel: "validation loss",
  emptyText: "runs appear here as they finish",
});

$("axis").addEventListener("change", () => {
  const a = AXES[$("axis").value];
  $("sizes-label").textContent = a.label;
  $("sizes-hint").textContent = a.hint;
  $("sizes").value = a.sizes;
});

function parseSizes(axis) {
  const parts = $("sizes").value.split(/[\s,;]+/).filter(Boolean);
  const values = parts.map(Number);
  if (!values.length) throw new Error("give at least one size");
  for (const [i, v] of values.entries()) {
    if (axis === "data" ? !(v > 0 && v <= 1) : !(Number.isInteger(v) && v >= 1 && v <= 4096)) {
      throw new Error(
        axis === "data"
          ? `'${parts[i]}' is not a fraction in (0, 1]`
          : `'${parts[i]}' is not a whole width between 1 and 4096`,
      );
    }
  }
  return values;
}

function sweepConfig() {
  const axis = $("axis").value;
  const steps = Number($("steps").value);
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error("steps per run must be a whole number ≥ 1");
  const sizes = parseSizes(axis);
  const config = {
    axis: axis === "data" ? "data" : "width",
    family: axis === "cnn" ? "cnn" : "mlp",
    backend: $("scaling-backend").value,
    steps,
    batch: Number($("batch-size").value),
    eval_limit: Number($("eval-limit").value),
  };
  if (axis === "data") config.fractions = sizes;
  else config.widths = sizes;
  return { config, sizes, axis };
}

/** Parameters of the sweep's models (src/labs/scaling.rs `width_spec`), for the progress line. */
function parameterCount(family, w) {
  // MLP 784-w-10; CNN conv(w,3) pool conv(2w,3) pool dense(64) dense(10) on 28x28 (5x5 at the end).
  return family === "cnn" ? 18 * w * w + 3212 * w + 714 : 795 * w + 10;
}

function describeRun(axis, size) {
  if (axis === "data") return `${Math.round(size * 100)}% of the training images`;
  const n = parameterCount(axis, size).toLocaleString("en");
  return axis === "cnn" ? `CNN, channel multiplier ${size} (${n} parameters)` : `MLP, width ${size} (${n} parameters)`;
}

function renderScaling() {
  const axis = state.sweepAxis ?? $("axis").value;
  const xName = axis === "data" ? "training samples" : "parameters";
  scalingPlot.options.xLabel = xName;
  const points = state.points.map((p) => ({
    x: p.x,
    y: p.val_loss,
    label: axis === "data" ? `${Math.round(p.fraction * 100)}%` : `w${p.width}`,
  }));
  const curves = [];
  const guides = [];
  const f = state.fit;
  if (f) {
    const xs = state.points.map((p) => p.x);
    const lo = Math.log10(Math.min(...xs)) - 0.3, hi = Math.log10(Math.max(...xs)) + 0.3;
    const line = [];
    for (let i = 0; i <= 80; i++) {
      const x = 10 ** (lo + ((hi - lo) * i) / 80);
      line.push([x, f.a * x ** -f.alpha + f.c]);
    }
    curves.push({ points: line, color: "#c46a00" });
    if (f.c > 0) guides.push({ y: f.c, label: `c = ${f.c.toFixed(3)}`, color: "#c46a00" });
  }
  scalingPlot.set({ points, curves, guides });
  $("scaling-caption").textContent =
    `validation loss vs ${xName} (log–log); green dots: runs, orange: the fitted law, dashed: the irreducible loss c`;

  const rows = state.points.map((p) => {
    const tr = document.createElement("tr");
    const cells = [
      `${p.index + 1}`,
      `${p.width}`,
      p.parameters.toLocaleString("en"),
      p.train_samples.toLocaleString("en"),
      p.epochs.toFixed(2),
      p.train_loss.toFixed(4),
      p.val_loss.toFixed(4),
      `${(p.val_accuracy * 100).toFixed(1)}%`,
      p.backend,
      p.ms < 1000 ? `${Math.round(p.ms)} ms` : `${(p.ms / 1000).toFixed(1)} s`,
    ];
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      tr.append(td);
    }
    return tr;
  });
  $("scaling-table").tBodies[0].replaceChildren(...rows);

  const out = $("fit-result");
  if (f) {
    out.textContent =
      `L ≈ ${fmtNumber(f.a)} · N^(−${f.alpha.toFixed(3)}) + ${f.c.toFixed(3)}:  ` +
      `α = ${f.alpha.toFixed(3)}, c = ${f.c.toFixed(3)}, R² = ${f.r2_log.toFixed(3)} (in log L), ` +
      `${f.points} runs. Doubling ${xName} cuts L − c by ${((1 - 2 ** -f.alpha) * 100).toFixed(0)}%.`;
    out.dataset.alpha = String(f.alpha);
  } else {
    out.textContent = state.fitError ?? `Needs at least 3 finished runs (${state.points.length} so far).`;
    delete out.dataset.alpha;
  }
}

async function refit() {
  state.fit = null;
  state.fitError = null;
  if (state.points.length >= 3) {
    await fitReady;
    try {
      state.fit = fitPowerLaw(state.points.map((p) => ({ x: p.x, loss: p.val_loss })));
    } catch (e) {
      state.fitError = `No fit: ${e.message ?? e}`;
    }
  }
  renderScaling();
}

async function runSweep() {
  let plan;
  try {
    plan = sweepConfig();
  } catch (e) {
    showMessage(e.message);
    return;
  }
  state.sweeping = true;
  state.cancelSweep = false;
  state.points = [];
  state.sweepAxis = plan.axis;
  await refit();
  running("scaling-start", "scaling-cancel", true);
  const progress = $("scaling-progress");
  const bar = $("scaling-bar");
  progress.textContent = "Loading MNIST and building the sweep…";
  try {
    const { length } = await sweepEngine.call("sweepStart", { config: plan.config });
    bar.max = length;
    bar.value = 0;
    for (let i = 0; i < length; i++) {
      if (state.cancelSweep) break;
      progress.textContent = `run ${i + 1} of ${length}: ${describeRun(plan.axis, plan.sizes[i])}, ${plan.config.steps} steps…`;
      const t0 = performance.now();
      const point = await sweepEngine.call("sweepNext");
      if (!point) break;
      point.ms = performance.now() - t0;
      state.points.push(point);
      bar.value = i + 1;
      await refit();
    }
    await sweepEngine.call("sweepStop");
    const n = state.points.length;
    progress.textContent = state.cancelSweep
      ? `Cancelled after ${n} of ${length} runs; the finished runs stay.`
      : `Done: ${n} runs on ${state.points[0]?.backend === "gpu" ? "the GPU" : "the CPU"}.`;
  } catch (e) {
    progress.textContent = `Stopped: ${e.message}`;
    showMessage(`The sweep failed: ${e.message}`);
    sweepEngine.call("sweepStop").catch(() => {});
  } finally {
    state.sweeping = false;
    running("scaling-start", "scaling-cancel", false);
  }
}

$("scaling-start").addEventListener("click", runSweep);
$("scaling-cancel").addEventListener("click", () => {
  state.cancelSweep = true;
  $("scaling-cancel").disabled = true;
  $("scaling-progress").textContent += " (cancelling after this run finishes)";
});

// ---------------------------------------------------------------- compression

const compressPlot = new ScatterPlot($("compress-chart"), {
  logX: true,
  xLabel: "model bytes",
  yLabel: "test accuracy",
  yFormat: (v) => `${+(v * 100).toPrecision(3)}%`,
  emptyText: "press Evaluate",
});

function parseSetting(value) {
  const [kind, s] = value.split(":");
  return s === undefined ? { kind } : { kind, sparsity: Number(s) };
}

function settingLabel(value) {
  const s = parseSetting(value);
  if (s.kind === "f32") return "f32";
  if (s.kind === "int8") return "int8";
  const pct = `${Math.round(s.sparsity * 100)}%`;
  return s.kind === "prune" ? `prune ${pct}` : `int8 + prune ${pct}`;
}

function renderCompression() {
  const colors = { f32: "#1d2420", int8: "#2f6fb3", prune: "#2f7d4f", int8_prune: "#8e3fb3" };
  // The curve is the frontier: the best accuracy measured at or below each size.
  const frontier = [];
  for (const r of [...state.rows].sort((a, b) => a.bytes - b.bytes)) {
    if (!frontier.length || r.accuracy > frontier[frontier.length - 1][1]) frontier.push([r.bytes, r.accuracy]);
  }
  const steps = frontier.flatMap(([x, y], i) => (i ? [[x, frontier[i - 1][1]], [x, y]] : [[x, y]]));
  compressPlot.set({
    points: state.rows.map((r) => ({ x: r.bytes, y: r.accuracy, label: r.label, color: colors[r.setting.kind] })),
    curves: steps.length > 1 ? [{ points: steps, color: "rgba(47,125,79,0.55)", width: 1.5 }] : [],
  });
  const rows = state.rows.map((r) => {
    const tr = document.createElement("tr");
    const cells = [
      r.label,
      r.bytes.toLocaleString("en"),
      `${r.ratio.toFixed(2)}×`,
      `${(r.sparsity * 100).toFixed(1)}%`,
      `${(r.accuracy * 100).toFixed(2)}%`,
      r.loss.toFixed(4),
      r.n.toLocaleString("en"),
    ];
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      tr.append(td);
    }
    return tr;
  });
  $("compress-table").tBodies[0].replaceChildren(...rows);
}

async function useModel(bytes, name) {
  // Validate in the compression engine first: a bad file leaves the current model in place.
  const info = await compressEngine.call("loadModel", { bytes: bytes ? bytes.slice() : undefined });
  if (!bytes) {
    const res = await fetch("models/cnn.safetensors");
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  state.model = { bytes, name, spec: info.spec };
  state.rows = [];
  renderCompression();
  $("compress-progress").textContent = "Not started.";
  $("model-name").textContent = `${name} (${bytes.byteLength.toLocaleString("en")} byte file)`;
  await loadPad();
}

async function runCompression() {
  if (!state.model) {
    showMessage("no model is loaded yet");
    return;
  }
  const chosen = [...document.querySelectorAll("#settings input:checked")].map((i) => i.value);
  if (!chosen.length) {
    showMessage("tick at least one setting to evaluate");
    return;
  }
  state.compressing = true;
  state.cancelCompress = false;
  state.rows = [];
  renderCompression();
  // The model stays fixed while its table is measured.
  running("compress-start", "compress-cancel", true);
  for (const id of ["load-model", "use-pretrained"]) $(id).disabled = true;
  const limit = Number($("limit").value);
  const scope = $("scope").value;
  const progress = $("compress-progress");
  try {
    for (const [i, value] of chosen.entries()) {
      if (state.cancelCompress) break;
      progress.textContent = `setting ${i + 1} of ${chosen.length}: ${settingLabel(value)} on ${limit.toLocaleString("en")} test images…`;
      const row = await compressEngine.call("evaluate", { setting: parseSetting(value), scope, limit });
      state.rows.push(row);
      renderCompression();
    }
    progress.textContent = state.cancelCompress
      ? `Cancelled after ${state.rows.length} of ${chosen.length} settings.`
      : `Done: ${state.rows.length} settings on ${state.rows[0]?.n.toLocaleString("en")} test images.`;
  } catch (e) {
    progress.textContent = `Stopped: ${e.message}`;
    showMessage(`The evaluation failed: ${e.message}`);
  } finally {
    state.compressing = false;
    for (const id of ["load-model", "use-pretrained"]) $(id).disabled = false;
    running("compress-start", "compress-cancel", false);
    $("compress-cancel").disabled = true;
  }
}

$("compress-start").addEventListener("click", runCompression);
$("compress-cancel").addEventListener("click", () => {
  state.cancelCompress = true;
  $("compress-cancel").disabled = true;
});
$("use-pretrained").addEventListener("click", () =>
  useModel(null, "the pretrained CNN").catch((e) => showMessage(`The pretrained model could not be used: ${e.message}`)),
);
$("load-model").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (!file) return;
  try {
    await useModel(new Uint8Array(await file.arrayBuffer()), file.name);
    showMessage(`Loaded ${file.name}.`, "info");
  } catch (err) {
    showMessage(`${file.name} was not loaded: ${err.message}`);
  }
});

// ---------------------------------------------------------------- the drawing pad

function probsList(ol) {
  for (let d = 0; d < 10; d++) {
    const li = document.createElement("li");
    li.innerHTML = `<span>${d}</span><span class="bar"><span></span></span><span class="pct">–</span>`;
    ol.append(li);
  }
}
probsList($("probs-original"));
probsList($("probs-compressed"));

function showProbs(ol, out, probs) {
  const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
  [...ol.children].forEach((li, d) => {
    li.classList.toggle("top", d === top);
    li.querySelector(".bar span").style.width = probs ? `${(probs[d] * 100).toFixed(1)}%` : "0";
    li.querySelector(".pct").textContent = probs ? `${(probs[d] * 100).toFixed(1)}%` : "–";
  });
  out.textContent = probs ? String(top) : "–";
}

let padReady = false;
let predicting = false;
let predictAgain = false;

async function loadPad() {
  padReady = false;
  const bytes = state.model.bytes.slice();
  await padEngine.call("padLoad", { bytes, setting: parseSetting($("compare").value), scope: $("scope").value });
  padReady = true;
  updateExportInfo();
  predictNow();
}

async function predictNow() {
  if (!padReady) return;
  if (predicting) {
    predictAgain = true;
    return;
  }
  if (pad.isEmpty()) {
    showProbs($("probs-original"), $("pred-original"), null);
    showProbs($("probs-compressed"), $("pred-compressed"), null);
    state.lastPrediction = null;
    return;
  }
  predicting = true;
  try {
    const pixels = toMnist(alphaOf(pad.pixels(), pad.canvas.width, pad.canvas.height), pad.canvas.width, pad.canvas.height);
    const r = await padEngine.call("predict", { pixels: Array.from(pixels) });
    showProbs($("probs-original"), $("pred-original"), r.original);
    showProbs($("probs-compressed"), $("pred-compressed"), r.compressed);
    state.lastPrediction = r;
  } catch (e) {
    showMessage(`Prediction failed: ${e.message}`);
  } finally {
    predicting = false;
    if (predictAgain) {
      predictAgain = false;
      predictNow();
    }
  }
}

const pad = new DrawPad($("draw"), () => predictNow());
$("undo").addEventListener("click", () => pad.undo());
$("clear").addEventListener("click", () => pad.clear());

async function changeCompare() {
  if (!state.model) return;
  padReady = false;
  try {
    await padEngine.call("padSetting", {
      bytes: state.model.bytes.slice(),
      setting: parseSetting($("compare").value),
      scope: $("scope").value,
    });
  } catch (e) {
    showMessage(`That setting could not be built: ${e.message}`);
  }
  padReady = true;
  updateExportInfo();
  predictNow();
}
$("compare").addEventListener("change", changeCompare);
$("scope").addEventListener("change", changeCompare);

function updateExportInfo() {
  const s = parseSetting($("compare").value);
  $("export").textContent = `Download the ${settingLabel($("compare").value)} model (.safetensors)`;
  $("export-info").textContent =
    s.kind === "prune"
      ? "A float file with the pruned weights set to zero (stored densely)."
      : "Int8 weights (I8) with a per-channel f32 scale tensor for each layer and f32 biases.";
}

$("export").addEventListener("click", async () => {
  if (!state.model) return;
  const value = $("compare").value;
  try {
    const bytes = await compressEngine.call("exportModel", { setting: parseSetting(value), scope: $("scope").value });
    const base = state.model.name.replace(/\.safetensors$/i, "").replace(/[^\w.-]+/g, "-").replace(/^-|-$/g, "") || "model";
    const name = `${base}-${value.replace(":", "-")}.safetensors`;
    const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    $("export-info").textContent = `Saved ${name} (${bytes.byteLength.toLocaleString("en")} bytes).`;
  } catch (e) {
    showMessage(`Export failed: ${e.message}`);
  }
});

// ---------------------------------------------------------------- start

renderScaling();
renderCompression();
const ready = useModel(null, "the pretrained CNN").catch((e) => {
  $("model-name").textContent = "no model loaded";
  showMessage(`The pretrained model could not be loaded (${e.message}); load a .safetensors file.`);
});
// For the browser tests: the page's state and its "ready" promise.
window.labs = { ready, state };
