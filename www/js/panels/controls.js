// The training controls: model (and the custom architecture builder), backend, optimizer, the
// logarithmic learning-rate slider (#lr), batch, L2, augmentation, validation split, and
// Train / Pause / Step / Reset. Every change goes through the App (the engine decides what is
// live and what rebuilds); the inputs show the settings the engine reports.
import { Builder, specToRows } from "../builder.js";

const $ = (id) => document.getElementById(id);

export const lrFromSlider = (v) => +(10 ** Number(v)).toPrecision(3);
export const fmtLr = (lr) => (lr >= 0.01 ? String(+lr.toPrecision(3)) : lr.toExponential(1));

// Disabled while a session is built or loaded.
const BUSY_IDS = ["model", "backend-select", "optimizer", "batch", "val-split", "reset", "apply-arch"];
// Updates after which the inputs show the engine's settings again.
const SETTINGS_UPDATES = ["started", "settings", "rebuilt", "loaded"];

export function mountControls(store, app) {
  const showError = (e) => app.message(e.message);
  // A refused change puts the inputs back to the settings in use.
  const configure = (opts) => app.configure(opts).catch(() => syncInputs(store.state));

  function setLrControl(lr) {
    $("lr").value = Math.log10(lr).toFixed(2);
    $("lr-value").textContent = fmtLr(lr);
    $("lr").setAttribute("aria-valuetext", fmtLr(lr));
  }

  const builder = new Builder($("builder"), () => checkArch());
  async function checkArch() {
    try {
      const n = await app.call("checkSpec", { spec: builder.spec() });
      $("arch-info").textContent = `${n.toLocaleString()} parameters. Press “Build this model” to train it.`;
      return true;
    } catch (e) {
      $("arch-info").textContent = `Not a valid model: ${e.message}`;
      return false;
    }
  }

  function syncInputs({ config: c }) {
    $("model").value = typeof c.model === "string" ? c.model : "custom";
    $("builder").hidden = typeof c.model === "string";
    if (typeof c.model !== "string") builder.setRows(specToRows(c.model));
    $("backend-select").value = c.backend;
    $("optimizer").value = c.optimizer.kind;
    setLrControl(c.optimizer.lr);
    $("batch").value = String(c.batch);
    $("l2").value = c.optimizer.weight_decay ?? 0;
    for (const id of ["shift", "rotate"]) {
      $(id).value = c.augment[id];
      $(`${id}-value`).textContent = c.augment[id];
    }
    $("val-split").value = String(c.validation);
  }

  function syncButtons(s) {
    for (const id of BUSY_IDS) $(id).disabled = !!s.busy;
    $("start").disabled = !s.ready || s.training;
    $("pause").disabled = !s.ready || !s.training;
    $("step").disabled = !s.ready || s.training;
    $("start").textContent = s.training ? "Training…" : "Train";
  }

  // The slider is logarithmic; while dragging, at most one change is in flight.
  let lrTimer = null;
  const setLr = (lr) =>
    app.setLearningRate(lr).catch((e) => {
      showError(e);
      syncInputs(store.state);
    });
  $("lr").addEventListener("input", () => {
    const lr = lrFromSlider($("lr").value);
    $("lr-value").textContent = fmtLr(lr);
    clearTimeout(lrTimer);
    lrTimer = setTimeout(() => setLr(lr), 120);
  });
  $("lr").addEventListener("change", () => {
    clearTimeout(lrTimer);
    setLr(lrFromSlider($("lr").value));
  });
  for (const id of ["shift", "rotate"]) {
    $(id).addEventListener("input", () => {
      $(`${id}-value`).textContent = $(id).value;
    });
    $(id).addEventListener("change", () => configure({ [id]: Number($(id).value) }));
  }
  $("l2").addEventListener("change", () => {
    app.configure({ l2: Number($("l2").value) }).catch((e) => {
      showError(e);
      $("l2").value = store.state.config.optimizer.weight_decay ?? 0;
    });
  });
  $("optimizer").addEventListener("change", () => configure({ optimizer: $("optimizer").value }));
  $("batch").addEventListener("change", () => configure({ batch: Number($("batch").value) }));
  $("val-split").addEventListener("change", () => configure({ validation: Number($("val-split").value) }));
  $("backend-select").addEventListener("change", () => configure({ backend: $("backend-select").value }));
  $("model").addEventListener("change", () => {
    const v = $("model").value;
    if (v === "custom") {
      $("builder").hidden = false;
      const model = store.state.config.model;
      if (typeof model === "string") {
        app.call("presetSpec", { name: model }).then((spec) => {
          builder.setRows(specToRows(spec));
          checkArch();
        });
      }
      return;
    }
    $("builder").hidden = true;
    configure({ model: v });
  });
  $("apply-arch").addEventListener("click", async () => {
    if (await checkArch()) configure({ model: builder.spec() });
  });

  $("start").addEventListener("click", () => app.start().catch(showError));
  $("pause").addEventListener("click", () => app.pause().catch(showError));
  $("step").addEventListener("click", () => app.step(1));
  $("reset").addEventListener("click", () => app.reset().catch(() => {}));

  store.subscribe(syncInputs, SETTINGS_UPDATES);
  store.subscribe(syncButtons, ["started", "engineFailed", "status", "training", "fault", "busy", "building", "settings", "loaded", "rebuilt"]);
  syncInputs(store.state);
  syncButtons(store.state);
}
