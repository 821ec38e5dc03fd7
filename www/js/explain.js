// Explanations of the current model's answer, asked of the predictor worker (its wasm `Model`
// runs the backward pass down to the pixels, src/explain/): saliency maps and the adversarial
// nudge. Both wait until the predictor holds the engine's current weights, so a map always
// explains the model the bars show.
import { predictorUsable } from "./run.js";

const WAIT_MS = 20000;

export class Explainer {
  constructor(store, app) {
    this.store = store;
    this.app = app;
  }

  /**
   * `{values: Float32Array(784), target, probabilities}` for `pixels` (default: the input).
   * `on: 'engine'` asks the training engine's backend (the GPU's own backward pass when it
   * trains on the GPU; it waits behind a chunk of training steps) instead of the predictor.
   */
  async saliency({ method = "gradient", target, pixels, on = "predictor" } = {}) {
    if (on !== "predictor" && on !== "engine") throw new Error(`saliency on '${on}': expected 'predictor' or 'engine'`);
    const input = await this.pixels(pixels);
    if (on === "engine") return this.app.call("saliency", { pixels: input, method, target });
    return this.app.predictor.call("saliency", { pixels: input, method, target });
  }

  /** `{success, eps, pixels, probabilities}`: the smallest nudge within `maxEps` to `target`. */
  async adversarial({ target, maxEps = 0.3, pixels } = {}) {
    if (!Number.isInteger(target) || target < 0 || target > 9) throw new Error("adversarial needs a target class 0..9");
    const input = await this.pixels(pixels);
    return this.app.predictor.call("adversarial", { pixels: input, target, maxEps });
  }

  /** `{pixels, value, startValue}`: the input that maximises unit `unit` of layer `layer`. */
  async unitWants({ layer, unit = 0 }) {
    await this.app.ready;
    await this.predictorCurrent();
    return this.app.predictor.call("unitWants", { layer, unit });
  }

  /** `{top: [{index, label, value, pixels}], n}`: the test images that excite the unit most. */
  async topImages({ layer, unit = 0, k = 8 }) {
    await this.app.ready;
    await this.predictorCurrent();
    const dataset = this.store.state.data?.dataset ?? "mnist"; // the test set of the data in use
    return this.app.predictor.call("topImages", { layer, unit, k, dataset });
  }

  /** `[{name, shape}]` of the current model's layers. */
  async layers() {
    await this.app.ready;
    await this.predictorCurrent();
    return this.app.predictor.call("layers");
  }

  async pixels(pixels) {
    await this.app.ready;
    await this.predictorCurrent();
    const input = pixels ?? this.store.state.input;
    if (!input || input.length !== 784) throw new Error("nothing to explain: draw a digit or pass 784 pixels");
    return Float32Array.from(input);
  }

  predictorCurrent() {
    if (predictorUsable(this.store.state)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error("the predictor has no current weights"));
      }, WAIT_MS);
      const off = this.store.subscribe((s) => {
        if (!predictorUsable(s)) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }
}

/** Red where a pixel raises the class's logit, blue where it lowers it, over the dimmed input. */
export function paintSaliency(canvas, input, values) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  const scale = Math.max(1e-12, ...Array.from(values, Math.abs));
  for (let i = 0; i < 784; i++) {
    const a = Math.min(1, Math.abs(values[i]) / scale);
    const base = 70 * (input ? input[i] : 0);
    const [r, g, b] = values[i] >= 0 ? [255, 40, 40] : [60, 110, 255];
    img.data.set([base + a * (r - base), base + a * (g - base), base + a * (b - base), 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

/** The map over the drawing pad: model pixel (i, j) covers the pad square `frame` gives it. */
export function paintOnPad(canvas, frame, values) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!frame || !values) return;
  const scale = Math.max(1e-12, ...Array.from(values, Math.abs));
  const side = 1 / frame.scale;
  for (let j = 0; j < 28; j++) {
    for (let i = 0; i < 28; i++) {
      const v = values[j * 28 + i] / scale;
      if (Math.abs(v) < 0.05) continue;
      ctx.fillStyle = v > 0 ? `rgba(230, 30, 30, ${0.7 * v})` : `rgba(40, 90, 255, ${-0.7 * v})`;
      ctx.fillRect((i - 14) * side + frame.cx, (j - 14) * side + frame.cy, side, side);
    }
  }
}
