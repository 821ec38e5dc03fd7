// The drawing pad of the compression panel: a digit drawn here is classified by the original
// (float) model and by the setting chosen under "compressed", side by side, and that setting can
// be downloaded. Both models live in the pad worker (the float one as the inference-only wasm
// `Model`, int8 as `QuantizedModel`), so a long evaluation in the compression worker never
// delays a prediction.
import { DrawPad } from "../js/draw.js";
import { alphaOf, toMnist } from "../js/preprocess.js";
import { transfer } from "../js/rpc.js";
import { parseSetting, settingLabel } from "./compress_settings.js";
import { $, showMessage } from "./ui.js";

/** Ten rows (digit, bar, percentage) in the list `ol`. */
function buildProbs(ol) {
  for (let d = 0; d < 10; d++) {
    const li = document.createElement("li");
    li.innerHTML = `<span>${d}</span><span class="bar"><span></span></span><span class="pct">–</span>`;
    ol.append(li);
  }
}

/** Show `probs` (10 numbers, or null for none) in `ol` and the top digit in `out`. */
function showProbs(ol, out, probs) {
  const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
  [...ol.children].forEach((li, d) => {
    li.classList.toggle("top", d === top);
    li.querySelector(".bar span").style.width = probs ? `${(probs[d] * 100).toFixed(1)}%` : "0";
    li.querySelector(".pct").textContent = probs ? `${(probs[d] * 100).toFixed(1)}%` : "–";
  });
  out.textContent = probs ? String(top) : "–";
}

/** A file name for the download: the model's name, sanitized, and the setting. */
function exportName(modelName, value) {
  const base = modelName.replace(/\.safetensors$/i, "").replace(/[^\w.-]+/g, "-").replace(/^-|-$/g, "") || "model";
  return `${base}-${value.replace(":", "-")}.safetensors`;
}

function download(bytes, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Wire the pad. `engine` is the pad worker's rpc client, `exporter` the compression worker's
 * (it holds the model the export is built from); `state` the page's shared state (this panel
 * reads `model` and owns `lastPrediction`). Returns `{load()}`: take `state.model` into the pad.
 */
export function initPadPanel({ engine, exporter, state }) {
  // One prediction in flight at a time; strokes meanwhile ask for one more, not one each.
  const pending = { ready: false, predicting: false, again: false };
  const currentSetting = () => ({ setting: parseSetting($("compare").value), scope: $("scope").value });

  async function predictNow() {
    if (!pending.ready) return;
    if (pending.predicting) {
      pending.again = true;
      return;
    }
    if (pad.isEmpty()) {
      showProbs($("probs-original"), $("pred-original"), null);
      showProbs($("probs-compressed"), $("pred-compressed"), null);
      state.lastPrediction = null;
      return;
    }
    pending.predicting = true;
    try {
      const { width, height } = pad.canvas;
      const pixels = toMnist(alphaOf(pad.pixels(), width, height), width, height);
      const r = await engine.call("predict", transfer({ pixels }, [pixels.buffer]));
      showProbs($("probs-original"), $("pred-original"), r.original);
      showProbs($("probs-compressed"), $("pred-compressed"), r.compressed);
      state.lastPrediction = r;
    } catch (e) {
      showMessage(`Prediction failed: ${e.message}`);
    } finally {
      pending.predicting = false;
      if (pending.again) {
        pending.again = false;
        predictNow();
      }
    }
  }

  function updateExportInfo() {
    const s = parseSetting($("compare").value);
    $("export").textContent = `Download the ${settingLabel($("compare").value)} model (.safetensors)`;
    $("export-info").textContent =
      s.kind === "prune"
        ? "A float file with the pruned weights set to zero (stored densely)."
        : "Int8 weights (I8) with a per-channel f32 scale tensor for each layer and f32 biases.";
  }

  /** The original and the chosen setting of `state.model` into the pad worker, then predict. */
  async function load() {
    pending.ready = false;
    await engine.call("padLoad", { bytes: state.model.bytes.slice(), ...currentSetting() });
    pending.ready = true;
    updateExportInfo();
    predictNow();
  }

  async function changeCompare() {
    if (!state.model) return;
    pending.ready = false;
    try {
      await engine.call("padSetting", { bytes: state.model.bytes.slice(), ...currentSetting() });
    } catch (e) {
      showMessage(`That setting could not be built: ${e.message}`);
    }
    pending.ready = true;
    updateExportInfo();
    predictNow();
  }

  async function exportModel() {
    if (!state.model) return;
    const value = $("compare").value;
    try {
      const bytes = await exporter.call("exportModel", currentSetting());
      const name = exportName(state.model.name, value);
      download(bytes, name);
      $("export-info").textContent = `Saved ${name} (${bytes.byteLength.toLocaleString("en")} bytes).`;
    } catch (e) {
      showMessage(`Export failed: ${e.message}`);
    }
  }

  buildProbs($("probs-original"));
  buildProbs($("probs-compressed"));
  const pad = new DrawPad($("draw"), () => predictNow());
  $("undo").addEventListener("click", () => pad.undo());
  $("clear").addEventListener("click", () => pad.clear());
  $("compare").addEventListener("change", changeCompare);
  $("scope").addEventListener("change", changeCompare);
  $("export").addEventListener("click", exportModel);
  return { load };
}
