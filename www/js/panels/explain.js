// "Why did it say 7?": the saliency overlay beside the model input (#saliency28, recomputed after
// each prediction while the toggle is on, at most one request in flight) and the nudge toward a
// chosen class (#nudge-*), whose result becomes the model's input.
import { Explainer, paintSaliency, paintOnPad } from "../explain.js";
import { alphaOf, mnistFrame } from "../preprocess.js";

const $ = (id) => document.getElementById(id);

export function mountExplain(store, app, pad) {
  const explainer = new Explainer(store, app);
  const canvas = $("saliency28");
  let busy = false;
  let again = false;

  /** Where the model's 28x28 sits on the pad: the strokes' frame, or the whole pad (a test image). */
  function padFrame() {
    const c = $("draw");
    const frame = pad.isEmpty() ? null : mnistFrame(alphaOf(pad.pixels(), c.width, c.height), c.width, c.height);
    return frame ?? { scale: 28 / c.width, cx: c.width / 2, cy: c.height / 2 };
  }
  const clearPad = () => paintOnPad($("saliency-pad"), null, null);

  async function refresh() {
    if (!$("saliency-on").checked || !store.state.input) return clearPad();
    if (busy) {
      again = true; // the freshest input goes next
      return;
    }
    busy = true;
    again = false;
    const method = $("saliency-method").value;
    const chosen = $("saliency-target").value;
    const target = chosen === "" ? undefined : Number(chosen);
    const input = Float32Array.from(store.state.input);
    const t0 = performance.now();
    try {
      const map = await explainer.saliency({ method, target, pixels: input });
      paintSaliency(canvas, input, map.values);
      paintOnPad($("saliency-pad"), padFrame(), map.values);
      // What the overlay shows, for tests and the console.
      canvas.saliency = { method, target: map.target, pixels: input, values: map.values };
      $("saliency-caption").textContent = `${method} for ${map.target} (${(performance.now() - t0).toFixed(0)} ms)`;
    } catch (e) {
      $("saliency-caption").textContent = `saliency: ${e.message}`;
    } finally {
      busy = false;
      if (again) refresh();
    }
  }

  async function nudge() {
    const target = Number($("nudge-target").value);
    const maxEps = Number($("nudge-eps").value);
    $("nudge-result").textContent = "searching…";
    const t0 = performance.now();
    const before = store.state.input && Float32Array.from(store.state.input);
    try {
      const found = await explainer.adversarial({ target, maxEps, pixels: before ?? undefined });
      showNudge(before, found, target, performance.now() - t0);
      if (!found.success) return;
      // The perturbation travels with the input and the frame it was found in, so drawing on
      // keeps it on the same strokes (pad.js).
      const delta = found.pixels.map((p, i) => p - before[i]);
      const frame = pad.isEmpty() ? null : padFrame(); // a nudged test image has no strokes
      store.update("input", { pixels: found.pixels, source: { kind: "nudged", target, eps: found.eps, delta, frame } });
      app.predictions.request();
    } catch (e) {
      $("nudge-result").textContent = `nudge: ${e.message}`;
    }
  }

  function showNudge(before, found, target, ms) {
    const delta = found.pixels.map((p, i) => p - before[i]);
    paintSaliency($("nudge28"), null, delta);
    const p = found.probabilities;
    const top = p.reduce((best, v, i) => (v > p[best] ? i : best), 0);
    const eps = `ε = ${found.eps.toFixed(3)} (${Math.round(255 * found.eps)}/255)`;
    $("nudge-result").textContent = found.success
      ? `now a ${top} (${(100 * p[top]).toFixed(1)}%) with ${eps}, ${ms.toFixed(0)} ms`
      : `no ${target} within ε = ${found.eps.toFixed(3)}; best try says ${top} (${(100 * p[top]).toFixed(1)}%)`;
  }

  for (const id of ["saliency-on", "saliency-method", "saliency-target"]) $(id).addEventListener("change", refresh);
  $("nudge-go").addEventListener("click", nudge);
  // After each answer the map follows: the input or the weights behind the bars changed.
  store.subscribe(refresh, ["prediction"]);
  store.subscribe((s) => s.input || clearPad(), ["input"]);
  return { explainer, refresh };
}
