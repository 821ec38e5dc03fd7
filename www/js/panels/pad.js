// The drawing pad and its answer: strokes on #draw, prepared like MNIST (www/js/preprocess.js)
// into the store's input; the 28x28 the model sees; the ten probability bars, #prediction, the
// confidence and the draw -> prediction latency. While training, the input is re-classified
// now and then so the bars follow the model.
import { DrawPad } from "../draw.js";
import { alphaOf, mnistFrame, reframe, toMnist } from "../preprocess.js";
import { latencyStats } from "../run.js";
import { classNames } from "../classes.js";

const $ = (id) => document.getElementById(id);
const LIVE_REFRESH_MS = 700;

function showInput(pixels) {
  const ctx = $("input28").getContext("2d");
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = Math.round(255 * pixels[i]);
    img.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

function makeBars() {
  const bars = [];
  for (let d = 0; d < 10; d++) {
    const li = document.createElement("li");
    li.innerHTML = `<span class="digit">${d}</span><span class="bar"><span></span></span><span class="pct">–</span>`;
    $("probs").append(li);
    bars.push(li);
  }
  return bars;
}

export function mountPad(store, app) {
  const predictions = app.predictions;
  const bars = makeBars();

  // A nudge (www/js/panels/explain.js) stays on as you keep drawing: its perturbation is added
  // to each new preprocessed drawing until Clear or another input replaces it.
  let nudge = null;
  const pad = new DrawPad($("draw"), (reason, t) => {
    if (pad.isEmpty()) {
      nudge = null;
      store.update("input", { pixels: null });
      return;
    }
    const W = $("draw").width, H = $("draw").height;
    const ink = alphaOf(pad.pixels(), W, H);
    const pixels = toMnist(ink, W, H);
    if (nudge) {
      // A new stroke may move and rescale the frame: the perturbation stays on the strokes.
      const frame = mnistFrame(ink, W, H);
      const delta = nudge.frame && frame ? reframe(nudge.delta, nudge.frame, frame) : nudge.delta;
      for (let i = 0; i < 784; i++) pixels[i] = Math.min(1, Math.max(0, pixels[i] + delta[i]));
    }
    store.update("input", { pixels, source: nudge ?? undefined });
    predictions.request(t, true);
  });
  $("undo").addEventListener("click", () => pad.undo());
  $("clear").addEventListener("click", () => pad.clear());

  function renderInput(s) {
    const src = s.inputSource;
    if (src.kind !== "nudged") nudge = null;
    if (src.kind === "test") {
      // A test image replaces the drawing.
      pad.strokes = [];
      pad.redraw();
      $("input-source").textContent = `test image #${src.index} (label ${classNames(s.data.dataset)[src.label]})`;
    } else if (src.kind === "nudged") {
      nudge = src;
      $("input-source").textContent = `nudged toward ${src.target} (ε ${src.eps.toFixed(3)})`;
    } else $("input-source").textContent = "model input (28×28)";
    showInput(s.input ?? new Float32Array(784));
    if (src.kind === "test") predictions.request();
  }

  function renderProbs(s) {
    const p = s.probs;
    let top = -1;
    if (p) top = p.reduce((best, v, i) => (v > p[best] ? i : best), 0);
    for (let d = 0; d < 10; d++) {
      const li = bars[d];
      li.classList.toggle("top", d === top);
      li.querySelector(".bar span").style.width = p ? `${(100 * p[d]).toFixed(1)}%` : "0";
      li.querySelector(".pct").textContent = p ? `${(100 * p[d]).toFixed(1)}%` : "–";
    }
    $("prediction").textContent = p ? classNames(s.data.dataset)[top] : "–";
    $("confidence").textContent = p ? `${(100 * p[top]).toFixed(1)}% sure` : "";
    const l = latencyStats(s.latencies);
    if (l.n) $("latency").textContent = `draw → prediction: median ${l.median.toFixed(0)} ms, p95 ${l.p95.toFixed(0)} ms (${l.n} updates)`;
  }

  // New weights while paused: answer again (the engine now, the predictor once it has them).
  let lastLiveRefresh = 0;
  let seen = "";
  function followWeights(s, name) {
    const versions = `${s.weightsVersion}/${s.predictorVersion}`;
    if (name !== "metrics" && versions === seen) return; // an event that changed no weights
    seen = versions;
    if (!s.input) return;
    if (s.training) {
      const now = performance.now();
      if (name !== "metrics" || now - lastLiveRefresh < LIVE_REFRESH_MS) return;
      lastLiveRefresh = now;
      if (!predictions.pending) predictions.request(now);
    } else if (name !== "metrics") predictions.request();
  }

  // The bars' names follow the dataset (digits, or Fashion-MNIST's classes).
  const nameBars = (s) => {
    const names = classNames(s.data.dataset);
    bars.forEach((li, d) => (li.querySelector(".digit").textContent = names[d]));
    $("probs").classList.toggle("named", s.data.dataset !== "mnist");
  };
  store.subscribe(nameBars, ["started", "settings"]);
  store.subscribe(renderInput, ["input"]);
  store.subscribe(renderProbs, ["prediction"]);
  // Cleared: no answer to show (a new drawing keeps the last bars until its own answer arrives).
  store.subscribe((s) => s.input || renderProbs(s), ["input"]);
  store.subscribe(followWeights, ["metrics", "weightsVersion", "predictor", "started"]);
  return { pad };
}
