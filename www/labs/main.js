// The labs page's start-up: the scaling-law sweep and the compression lab. The engine runs in
// three instances of workers/labs.js (sweep, compression table, drawing pad) so a training run
// never blocks a prediction; each panel is its own module, and they share one `state` object,
// which the browser tests read as `window.labs.state`.
import init from "../pkg/gradient_garden.js";
import { connect } from "../js/rpc.js";
import { workerUrl } from "../js/wasm_build.js";
import { initCompressPanel } from "./compress_panel.js";
import { initPadPanel } from "./pad_panel.js";
import { initSweepPanel } from "./sweep_panel.js";
import { $, initMessageBar, showMessage } from "./ui.js";

/** A labs engine worker named `name`, behind the shared call/reply protocol. */
function startEngine(name) {
  const worker = new Worker(workerUrl(new URL("../workers/labs.js", import.meta.url)), { type: "module", name });
  return connect(worker, { name: `${name} engine` });
}

const state = {
  points: [], // the sweep's finished runs
  fit: null, // the power law fitted to them
  rows: [], // the compression table
  model: null, // {bytes, name, spec}: the float model being compressed
  lastPrediction: null, // the pad's {original, compressed} probabilities
  sweeping: false,
  compressing: false,
};

initMessageBar();
// The sweep's form never submits (the content security policy allows no inline handler).
$("scaling-form").addEventListener("submit", (e) => e.preventDefault());
// The page's own wasm instance: the power-law fit is cheap enough to run here, synchronously.
const wasmReady = init();
initSweepPanel({ engine: startEngine("sweep"), state, wasmReady });
const compressEngine = startEngine("compress");
const pad = initPadPanel({ engine: startEngine("pad"), exporter: compressEngine, state });
const compression = initCompressPanel({ engine: compressEngine, state, onModel: () => pad.load() });

const ready = compression.useModel(null, "the pretrained CNN").catch((e) => {
  $("model-name").textContent = "no model loaded";
  showMessage(`The pretrained model could not be loaded (${e.message}); load a .safetensors file.`);
});
// For the browser tests: the page's state and its "ready" promise.
window.labs = { ready, state };
