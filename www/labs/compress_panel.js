// The compression panel: the model in use (the pretrained CNN or a loaded .safetensors), the
// settings to evaluate, Evaluate/Cancel, and the accuracy-vs-bytes plot and table. The settings
// are measured in the compression worker one call per setting.
import { ScatterPlot } from "./plot.js";
import { frontierSteps, parseSetting, settingLabel } from "./compress_settings.js";
import { $, fillTable, running, showMessage } from "./ui.js";

const KIND_COLORS = { f32: "#1d2420", int8: "#2f6fb3", prune: "#2f7d4f", int8_prune: "#8e3fb3" };
const PRETRAINED_URL = "models/cnn.safetensors";

/**
 * Wire the panel. `engine` is the compression worker's rpc client; `state` the page's shared
 * state (this panel owns `model`, `rows`, `compressing`, `cancelCompress`); `onModel()` runs
 * after a model is taken (the drawing pad loads it). Returns `{useModel(bytes, name)}`.
 */
export function initCompressPanel({ engine, state, onModel }) {
  const plot = new ScatterPlot($("compress-chart"), {
    logX: true,
    xLabel: "model bytes",
    yLabel: "test accuracy",
    yFormat: (v) => `${+(v * 100).toPrecision(3)}%`,
    emptyText: "press Evaluate",
  });

  function render() {
    const steps = frontierSteps(state.rows);
    plot.set({
      points: state.rows.map((r) => ({ x: r.bytes, y: r.accuracy, label: r.label, color: KIND_COLORS[r.setting.kind] })),
      curves: steps.length > 1 ? [{ points: steps, color: "rgba(47,125,79,0.55)", width: 1.5 }] : [],
    });
    fillTable(
      $("compress-table"),
      state.rows.map((r) => [
        r.label,
        r.bytes.toLocaleString("en"),
        `${r.ratio.toFixed(2)}×`,
        `${(r.sparsity * 100).toFixed(1)}%`,
        `${(r.accuracy * 100).toFixed(2)}%`,
        r.loss.toFixed(4),
        r.n.toLocaleString("en"),
      ]),
    );
  }

  /** Take a float model (`bytes`, or the pretrained CNN when null); a bad file keeps the current one. */
  async function useModel(bytes, name) {
    // Validated in the engine first: a file it rejects changes nothing here.
    const info = await engine.call("loadModel", { bytes: bytes ? bytes.slice() : undefined });
    if (!bytes) {
      const res = await fetch(PRETRAINED_URL);
      bytes = new Uint8Array(await res.arrayBuffer());
    }
    state.model = { bytes, name, spec: info.spec };
    state.rows = [];
    render();
    $("compress-progress").textContent = "Not started.";
    $("model-name").textContent = `${name} (${bytes.byteLength.toLocaleString("en")} byte file)`;
    await onModel();
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
    render();
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
        state.rows.push(await engine.call("evaluate", { setting: parseSetting(value), scope, limit }));
        render();
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
  render();
  return { useModel };
}
