// The drawing pad's model: an inference-only copy of the engine's weights (the wasm `Model`) in
// its own worker, so a prediction never queues behind a training step (a CNN step on the CPU
// takes ~100 ms; a prediction well under 1 ms).
//
// Two clients (www/js/rpc.js):
//   the page       init {enginePort} -> true; predict {pixels} -> Float32Array(10) probabilities
//                  saliency {pixels, method, target?} -> {values: Float32Array(784), target, probabilities}
//                  adversarial {pixels, target, maxEps} -> {success, eps, pixels, probabilities}
//                  unitWants {layer, unit} -> {pixels, value, startValue}; layers -> [{name, shape}]
//                  (all from the model's backward pass down to the pixels, src/explain/)
//   the engine     setWeights {version, weights: Float32Array (paramsFlat layout), spec?} -> version
//                  over its end of a MessageChannel the page made; `spec` comes when it changed
// Events to the page: weights {version} (the copy it now holds), broken {message}.
import { serve } from "../js/rpc.js";
import { loadWasm } from "../js/wasm_build.js";

let Model = null; // the wasm Model class, once init has loaded the build (js/wasm_build.js)

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
    toPage.emit("weights", { version: args.version });
    return args.version;
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
  layers: () => predictor.layers(),
});
