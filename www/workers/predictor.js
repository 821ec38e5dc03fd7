// The drawing pad's model: an inference-only copy of the engine's weights in its own worker, so a
// prediction never queues behind a training step (a CNN step on the CPU takes ~100 ms; a
// prediction ~2 ms).
//
// Two clients (www/js/rpc.js):
//   the page       init {enginePort} -> true; predict {pixels} -> 10 probabilities
//   the engine     setWeights {version, weights: Float32Array (paramsFlat layout), spec?}
//                  over its end of a MessageChannel the page made; `spec` comes when it changed
// Events to the page: weights {version} (the copy it now holds), broken {message}.
import * as wasm from "../pkg/gradient_garden.js";
import { serve } from "../js/rpc.js";
import { modelClass } from "./model.js";

class Predictor {
  constructor() {
    this.Model = null;
    this.model = null;
  }

  async init() {
    await wasm.default();
    this.Model = await modelClass(wasm);
  }

  async setWeights({ spec, weights }) {
    if (spec !== undefined) {
      const next = await this.Model.fromSpec(spec, weights);
      this.model?.free?.();
      this.model = next;
    } else {
      if (!this.model) throw new Error("the predictor has no model yet (no spec was sent)");
      await this.model.setWeights(weights);
    }
  }

  async predict(pixels) {
    if (!this.model) throw new Error("the predictor has no model yet");
    return await this.model.predict(pixels);
  }
}

const predictor = new Predictor();
const toPage = serve({
  async init({ enginePort }) {
    await predictor.init();
    serve(engineOps, { port: enginePort });
    return true;
  },
  predict: ({ pixels }) => predictor.predict(pixels),
});

const engineOps = {
  async setWeights(args) {
    try {
      await predictor.setWeights(args);
    } catch (e) {
      toPage.emit("broken", { message: e && e.message ? e.message : String(e) });
      throw e;
    }
    toPage.emit("weights", { version: args.version });
    return args.version;
  },
};
