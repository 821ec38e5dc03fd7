// The drawing pad's model: an inference-only copy of the engine's weights (the wasm `Model`) in
// its own worker, so a prediction never queues behind a training step (a CNN step on the CPU
// takes ~100 ms; a prediction well under 1 ms).
//
// Two clients (www/js/rpc.js):
//   the page       init {enginePort} -> true; predict {pixels} -> Float32Array(10) probabilities
//                  saliency {pixels, method, target?} -> {values: Float32Array(784), target, probabilities}
//                  adversarial {pixels, target, maxEps} -> {success, eps, pixels, probabilities}
//                  unitWants {layer, unit} -> {pixels, value, startValue}; layers -> [{name, shape}]
//                  activations {pixels} -> [{name, shape, data}] (the look-inside view of a past step)
//                  topImages {layer, unit, k, dataset} -> {top: [{index, label, value, pixels}], n}
//                  (all from the model's backward pass down to the pixels, src/explain/)
//   the engine     setWeights {version, weights: Float32Array (paramsFlat layout), spec?} -> version
//                  over its end of a MessageChannel the page made; `spec` comes when it changed
// Events to the page: weights {version, spec?, weights} (the copy it now holds, for the page's
// mirror, www/js/pad_model.js), broken {message}.
import { serve, transfer } from "../js/rpc.js";
import { loadWasm } from "../js/wasm_build.js";
import { testSet } from "./test_set.js";

let Model = null; // the wasm Model class, once init has loaded the build (js/wasm_build.js)

// Test images ranked per pass: small enough that a prediction waits at most a few ms between two.
const RANK_CHUNK = 256;
const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

class Predictor {
  constructor() {
    this.model = null;
  }

  /** A new model for a new architecture; new weights for the same one. */
  setWeights({ spec, weights }) {
    if (spec !== undefined) {
      const next = Model.fromSpec(spec, weights);
      this.model?.free();
      this.model = next;
    } else {
      if (!this.model) throw new Error("the predictor has no model yet (no spec was sent)");
      this.model.setWeights(weights);
    }
  }

  predict(pixels) {
    return this.held().predict(pixels);
  }

  saliency({ pixels, method = "gradient", target }) {
    return this.held().saliency(pixels, method, target ?? undefined);
  }

  adversarial({ pixels, target, maxEps = 0.3 }) {
    return this.held().adversarial(pixels, target, maxEps);
  }

  unitWants({ layer, unit }) {
    return this.held().unitWants(layer, unit);
  }

  /**
   * The `k` test images (of `dataset`, www/workers/data.js) on which unit `unit` of layer `layer`
   * is largest, largest first:
   * `{top: [{index, label, value, pixels}], n}`. Forward passes in chunks, yielding between
   * them so the pad's predictions are answered while the ranking runs.
   */
  async topImages({ layer, unit = 0, k = 8, dataset = "mnist" }) {
    const { images, labels, n } = await testSet(dataset);
    const values = new Float32Array(n);
    for (let start = 0; start < n; start += RANK_CHUNK) {
      const end = Math.min(n, start + RANK_CHUNK);
      values.set(this.held().unitValues(images.subarray(start * 784, end * 784), layer, unit), start);
      await yieldToMessages();
    }
    const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a]).slice(0, k);
    const top = order.map((index) => ({
      index,
      label: labels[index],
      value: values[index],
      pixels: images.slice(index * 784, (index + 1) * 784),
    }));
    return { top, n };
  }

  /** Each layer's name and output shape (from a blank image's activations). */
  layers() {
    return this.held().activations(new Float32Array(784)).map(({ name, shape }) => ({ name, shape }));
  }

  held() {
    if (!this.model) throw new Error("the predictor has no model yet");
    return this.model;
  }
}

const predictor = new Predictor();

const engineOps = {
  setWeights(args) {
    try {
      predictor.setWeights(args);
    } catch (e) {
      toPage.emit("broken", { message: e && e.message ? e.message : String(e) });
      throw e;
    }
    // The page mirrors them (www/js/pad_model.js): the model copied them into its own memory,
    // so the array moves on rather than being copied.
    const { version, spec, weights } = args;
    toPage.emit("weights", transfer({ version, spec, weights }, [weights.buffer]));
    return version;
  },
};

const toPage = serve({
  async init({ enginePort }) {
    ({ Model } = (await loadWasm()).wasm);
    serve(engineOps, { port: enginePort });
    return true;
  },
  predict: ({ pixels }) => predictor.predict(pixels),
  saliency: (args) => predictor.saliency(args),
  adversarial: (args) => predictor.adversarial(args),
  unitWants: (args) => predictor.unitWants(args),
  topImages: (args) => predictor.topImages(args),
  layers: () => predictor.layers(),
  // Every layer's output for `pixels` from the weights held (a past step's while one is viewed).
  activations: ({ pixels }) => predictor.held().activations(pixels),
});
