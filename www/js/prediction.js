// The drawing pad's predictions: at most one in flight, the freshest input sent next, answered
// from the predictor's copy of the weights when it will do (while training, or when it is
// current): on this thread by its mirror (js/pad_model.js) once that holds it, else by the
// predictor worker; by the engine otherwise. Records the latency from a pen event to the bars
// that include it.
import { predictorUsable } from "./run.js";

// The engine keeps a core free for ~1.5 s after each note (training_loop.js INTERACTIVE_FOR_MS).
const PAD_BUSY_EVERY_MS = 500;

export class Predictions {
  /** `workers`: {engine, predictor} rpc clients; results go to `store.update('prediction')`. */
  constructor(store, { engine, predictor, padModel = null }) {
    this.store = store;
    this.engine = engine;
    this.predictor = predictor;
    this.padModel = padModel; // the predictor's weights mirrored on this thread (js/pad_model.js)
    this.busy = false;
    this.waitingSince = null; // time stamp of the oldest input not yet reflected in the bars
    this.fromPen = false; // the waiting input follows a pen stroke (the engine favours those)
    this.lastPadBusy = -Infinity;
  }

  /** Tell the engine the pen waits on a worker (at most every PAD_BUSY_EVERY_MS): it frees a core. */
  notePen(t) {
    if (t - this.lastPadBusy < PAD_BUSY_EVERY_MS) return;
    this.lastPadBusy = t;
    this.engine.call("padBusy", {}).catch(() => {}); // an old engine without it: no harm
  }

  /** Is a prediction in flight or waiting? */
  get pending() {
    return this.busy || this.waitingSince !== null;
  }

  /** Classify the store's input; `t`: when it changed; `fromPen`: a stroke (latency counts). */
  request(t = performance.now(), fromPen = false) {
    const s = this.store.state;
    if (!s.input) {
      this.waitingSince = null;
      this.fromPen = false;
      return;
    }
    if (this.waitingSince === null) this.waitingSince = t;
    this.fromPen = this.fromPen || fromPen;
    if (this.busy || !s.ready) return;
    this.busy = true;
    const since = this.waitingSince;
    const pen = this.fromPen;
    this.waitingSince = null;
    this.fromPen = false;
    const pixels = s.input;
    const viaPredictor = predictorUsable(s);
    const mirrored = viaPredictor ? this.padModel?.predict(pixels, s.predictorVersion) : null;
    // A worker answers the pen: the engine leaves it a core for a while. The mirror needs none
    // (it runs on this thread, already awake): every core goes on training.
    if (pen && s.training && !mirrored) this.notePen(since);
    const answer = mirrored
      ? Promise.resolve(mirrored)
      : viaPredictor
      ? this.predictor.call("predict", { pixels })
      : this.engine.call("predict", { pixels, interactive: pen });
    answer
      .then((probs) => {
        if (!this.store.state.input) return; // cleared meanwhile
        // Shown even if the pen has moved on since: the freshest answer beats none, and the
        // next request (already due) catches up. Latency: oldest input it covers -> shown.
        const by = mirrored ? "page" : viaPredictor ? "predictor" : "engine";
        this.store.update("prediction", { probs, latencyMs: pen ? performance.now() - since : undefined, by });
      })
      .catch((e) => {
        if (viaPredictor) {
          // Retired; the engine answers this input instead.
          this.store.update("predictor", { broken: true });
          if (this.waitingSince === null) this.waitingSince = since;
          this.fromPen = this.fromPen || pen;
        } else this.store.update("message", { text: `Prediction failed: ${e.message}`, kind: "error" });
      })
      .finally(() => {
        this.busy = false;
        if (this.waitingSince !== null) this.request(this.waitingSince, this.fromPen);
      });
  }
}
