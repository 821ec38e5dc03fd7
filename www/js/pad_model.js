// The drawing pad's answers on the page's own thread: a mirror of the predictor's weights
// (www/workers/predictor.js forwards each copy it takes, spec only when it changed).
//
// Why not ask the predictor worker: on a busy machine (every core training) a worker that has
// been asleep waits for the scheduler before it runs, and the page waits again for the reply:
// measured on the 2-core test machine while training, the round trip alone was median 5.5 ms,
// p95 15 ms, for a forward pass that takes well under 1 ms. The page's thread is already running
// when the pen moves, so the answer comes in the same task. The predictor worker keeps the heavy
// work (saliency, nudges, ranking t10k) and stays the fallback.
import { loadWasm } from "./wasm_build.js";

export class PadModel {
  /** `load`: resolves `{wasm}` (js/wasm_build.js loadWasm); a failure leaves the worker answering. */
  constructor(load = loadWasm) {
    this.Model = null;
    this.model = null;
    this.version = -1; // the predictor's version the model holds
    this.spec = null; // the newest spec the predictor sent
    this.builtSpec = null; // the spec `model` was built for
    this.next = null; // {version, weights} not yet taken (wasm still loading)
    this.failed = null;
    this.loaded = load()
      .then(({ wasm }) => {
        this.Model = wasm.Model;
        this.take();
      })
      .catch((e) => {
        this.failed = e;
      });
  }

  /** The predictor now holds `version` (weights: the flat layout; spec: when it changed). */
  follow({ version, spec, weights }) {
    if (spec !== undefined) this.spec = spec;
    if (weights instanceof Float32Array) this.next = { version, weights };
    else this.forget(); // a predictor that sent no weights: its version cannot be answered here
    this.take();
  }

  take() {
    if (!this.Model || !this.next || !this.spec) return;
    const { version, weights } = this.next;
    this.next = null;
    try {
      if (this.model && this.builtSpec === this.spec) this.model.setWeights(weights);
      else {
        const model = this.Model.fromSpec(this.spec, weights);
        this.model?.free();
        this.model = model;
        this.builtSpec = this.spec;
      }
      this.version = version;
    } catch {
      this.forget(); // the worker answers (it has the same weights, and says what is wrong)
    }
  }

  forget() {
    this.model?.free();
    this.model = null;
    this.builtSpec = null;
    this.version = -1;
  }

  /** The probabilities for `pixels` from the predictor's version `version`, or null if not held here. */
  predict(pixels, version) {
    if (!this.model || this.version !== version) return null;
    try {
      return this.model.predict(pixels);
    } catch {
      return null;
    }
  }
}
