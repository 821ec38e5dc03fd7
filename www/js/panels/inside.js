// Look inside (#inside-box): every layer's output for the current input, the first layer's
// weights, and gradient flow (each tensor's gradient norm and update/weight ratio over time).
// Read from the engine only while the panel is open.
import { LineChart } from "../chart.js";
import { renderActivations, renderFirstWeights } from "../inspect.js";

const $ = (id) => document.getElementById(id);
const PALETTE = ["#2f7d4f", "#c0392b", "#2c6fbb", "#b35c00", "#7b4bb3", "#16837a", "#a0407a", "#6b6b00", "#444", "#d4a017"];
const WEIGHTS_EVERY_MS = 3000; // first-layer weights, re-read while training
const GRAD_REDRAW_MS = 300;

export function mountInside(store, app) {
  const box = $("inside-box");
  const gradChart = new LineChart($("grad-chart"), { logY: true, emptyText: "gradient norms appear while training" });
  const ratioChart = new LineChart($("ratio-chart"), { logY: true, emptyText: "update/weight ratios appear while training" });

  let activationsBusy = false;
  function requestActivations() {
    const pixels = store.state.input;
    if (activationsBusy || !pixels) return;
    activationsBusy = true;
    // A viewed past step's weights are in the predictor only (www/js/timeline.js).
    const from = store.state.view ? app.predictor : app;
    from
      .call("activations", { pixels })
      .then((layers) => renderActivations($("activations"), layers))
      .catch((e) => {
        $("activations").textContent = `Activations unavailable: ${e.message}`;
      })
      .finally(() => {
        activationsBusy = false;
      });
  }

  let lastWeights = 0;
  function refreshWeights() {
    lastWeights = performance.now();
    if (store.state.view) {
      renderFirstWeights($("weights"), store.state.view.first);
      return;
    }
    app
      .call("params", { first: 1 })
      .then((ps) => renderFirstWeights($("weights"), ps[0]))
      .catch((e) => {
        $("weights").textContent = `Weights unavailable: ${e.message}`;
      });
  }

  let gradScheduled = false;
  function scheduleGradCharts() {
    if (gradScheduled) return;
    gradScheduled = true;
    setTimeout(() => {
      gradScheduled = false;
      const stats = store.state.stats;
      const names = [...stats.keys()].filter((n) => n.endsWith("weight"));
      const series = (key) =>
        names.map((n, i) => ({ name: n, color: PALETTE[i % PALETTE.length], points: stats.get(n).points(key) }));
      gradChart.setSeries(series("grad"));
      ratioChart.setSeries(series("ratio"));
    }, GRAD_REDRAW_MS);
  }

  function refreshAll() {
    if (!store.state.ready) return;
    requestActivations();
    refreshWeights();
    scheduleGradCharts();
  }
  box.addEventListener("toggle", () => {
    if (box.open) refreshAll();
  });
  $("refresh-inside").addEventListener("click", refreshAll);

  store.subscribe((s, name) => {
    if (!box.open) {
      // Cleared curves must not linger until the panel opens.
      if (name === "settings" || name === "loaded" || name === "rebuilt") scheduleGradCharts();
      return;
    }
    if (name === "prediction") requestActivations();
    else if (name === "stats") scheduleGradCharts();
    else if (name === "metrics" && !store.state.view && performance.now() - lastWeights > WEIGHTS_EVERY_MS) refreshWeights();
    else if (name === "settings" || name === "loaded" || name === "rebuilt" || name === "view" || name === "resumed") refreshAll();
  }, ["prediction", "stats", "metrics", "settings", "loaded", "rebuilt", "view", "resumed"]);
}
