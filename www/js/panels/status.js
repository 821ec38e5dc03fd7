// The status panel: the header's backend line (#backend: which backend, adapter, workers, why),
// the model line under the controls (#model-info) and the progress numbers (epoch, step,
// samples/s, recent loss and accuracy). Renders from the store only.
import { recentMeans } from "../run.js";

const $ = (id) => document.getElementById(id);

function describeModel(m) {
  if (m === "mlp") return "MLP";
  if (m === "cnn") return "CNN";
  return "custom model";
}

function renderBackend(s) {
  const el = $("backend");
  const i = s.info;
  if (!i) {
    if (s.engineError) el.textContent = "Engine not running";
    return;
  }
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
}

function renderModelInfo(s) {
  const i = s.info;
  if (s.busy) {
    $("model-info").textContent = s.busy;
    return;
  }
  if (!i) return;
  $("model-info").textContent =
    `${describeModel(s.config.model)} · ${i.parameters.toLocaleString()} parameters · ` +
    `${i.trainSize} train / ${i.validationSize} validation / ${i.testSize} test images · ` +
    `${i.stepsPerEpoch} steps per epoch${s.pretrained ? " · started from the pretrained model" : ""}`;
}

function renderProgress(s) {
  $("epoch").textContent = s.epoch;
  $("step-count").textContent = s.step;
  $("sps").textContent = s.samplesPerSec ? Math.round(s.samplesPerSec).toLocaleString() : "–";
  const recent = recentMeans(s.history);
  $("train-loss").textContent = !recent ? "–" : Math.abs(recent.loss) < 1000 ? recent.loss.toFixed(4) : recent.loss.toPrecision(3);
  $("train-acc").textContent = recent ? `${(100 * recent.accuracy).toFixed(1)}%` : "–";
}

const QUIET = ["input", "prediction", "predictor", "weightsVersion", "message", "stats"];

export function mountStatus(store) {
  const render = (s) => {
    renderBackend(s);
    renderModelInfo(s);
    renderProgress(s);
  };
  store.subscribe((s, name) => {
    if (!QUIET.includes(name)) render(s);
  });
  render(store.state);
}
