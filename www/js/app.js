// The page's actions on the engine: start-up, configure, train/pause/step/reset, load and export,
// evaluate, predict. Each sends one call, puts the reply into the store and resolves to the
// scripting API's `state()`. Panels and `window.playground` both act through here, so a button
// and a script do exactly the same thing.
import { transfer } from "./rpc.js";
import { snapshot, predictorSyncing, predictorUsable } from "./run.js";
import { Predictions } from "./prediction.js";
import { loadProbes } from "./probe_cache.js";
import { checkPixels } from "./preprocess.js";
import { Timeline } from "./timeline.js";

export class App {
  /** `workers`: from startWorkers (engine, predictor, predictorPort, padModel). */
  constructor(store, workers) {
    this.store = store;
    this.engine = workers.engine;
    this.predictor = workers.predictor;
    this.predictorPort = workers.predictorPort;
    this.predictions = new Predictions(store, workers); // the pad's answers
    this.timeline = new Timeline(store, this); // history, viewStep, resumeFrom
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {});
  }

  /** One engine call (for panels that only read: presetSpec, checkSpec, activations...). */
  call(op, args) {
    return this.engine.call(op, args);
  }

  state() {
    const pending = this.predictions.pending || predictorSyncing(this.store.state);
    return snapshot(this.store.state, { predictionPending: pending });
  }

  message(text, kind = "error") {
    this.store.update("message", text ? { text, kind } : null);
  }

  /** Build the first session from the URL's settings (`parsed`: config.js's fromHash). */
  async boot(parsed) {
    try {
      const port = this.predictorPort;
      const args = {
        config: parsed.config,
        dataset: parsed.dataset ?? "mnist",
        tryPretrained: !parsed.modelFromHash || parsed.pretrained,
        pretrainedMustMatch: parsed.modelFromHash,
        predictorPort: port,
        probes: loadProbes(),
      };
      const res = await this.engine.call("init", transfer(args, [port]));
      this.store.update("weightsVersion", res.weightsVersion);
      this.store.update("started", res);
      this.resolveReady(this.state());
    } catch (e) {
      this.store.update("engineFailed", { message: e.message });
      this.rejectReady(e);
    }
  }

  /**
   * Apply `opts` (see README "Scripting"); the engine decides what is live and what rebuilds.
   * `fresh`: a new session with new weights (Reset).
   */
  async configure(opts = {}, { fresh = false } = {}) {
    await this.ready.catch(() => {});
    try {
      const res = await this.engine.call("configure", { opts, fresh });
      this.store.update("weightsVersion", res.weightsVersion);
      this.store.update("settings", res);
      if (res.rebuilt) this.message(null);
      return this.state();
    } catch (e) {
      // Only a build that failed gets the banner; invalid options are the caller's to show.
      if (this.store.state.busy) this.message(`Could not build that model: ${e.message}. The previous model is still loaded.`);
      throw e;
    } finally {
      if (this.store.state.busy) this.store.update("busy", null);
    }
  }

  /** Resolves to the rate in use. */
  async setLearningRate(lr) {
    await this.ready;
    // The one validation (settings.js) judges the value, as it does for every other door.
    if (lr === undefined) throw new Error("setLearningRate needs a rate, e.g. 0.01");
    const s = await this.configure({ lr });
    return s.lr;
  }

  async start() {
    await this.ready;
    this.message(null);
    await this.engine.call("start");
    this.store.update("training", true);
  }

  async pause() {
    await this.ready;
    const res = await this.engine.call("pause");
    this.store.update("weightsVersion", res.weightsVersion);
    this.store.update("training", false);
  }

  async step(n = 1) {
    await this.ready;
    try {
      const res = await this.engine.call("step", { steps: n });
      this.store.update("weightsVersion", res.weightsVersion);
    } catch (e) {
      // A non-finite or diverged loss and a GPU failure have their own message (the fault event
      // says what happened and which weights training goes on with).
      if (!/finite|diverged|GPU error|device/i.test(e.message)) this.message(`Step failed: ${e.message}`);
    }
    return this.state();
  }

  async reset() {
    await this.ready;
    return this.configure({}, { fresh: true });
  }

  async exportModel() {
    await this.ready;
    return await this.engine.call("exportModel");
  }

  /** The model as ONNX bytes (Uint8Array; opset 13, input pixels in [0, 1], output the logits). */
  async exportOnnx() {
    await this.ready;
    return await this.engine.call("exportOnnx");
  }

  /** Load a .safetensors file (bytes); a corrupt file leaves the current model untouched. */
  async loadModel(bytes) {
    await this.ready;
    if (!(bytes instanceof ArrayBuffer || ArrayBuffer.isView(bytes))) {
      throw new Error(`loadModel needs the file's bytes (a Uint8Array or ArrayBuffer), got ${bytes === null ? "null" : typeof bytes}`);
    }
    const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.store.update("busy", "Loading the model…");
    try {
      const res = await this.engine.call("loadModel", { bytes: data });
      this.store.update("weightsVersion", res.weightsVersion);
      this.store.update("loaded", res);
      const loaded = res.rebuilt ? "Loaded the model (a different architecture: a new session was built)." : "Loaded the weights.";
      // A bare PyTorch state dict: say how its architecture was found (and what was assumed).
      this.message(res.source && res.source !== "metadata" ? `${loaded} The file had ${res.note}.` : loaded, "info");
      return this.state();
    } catch (e) {
      this.message(`Could not load that model file: ${e.message}. The current model is unchanged.`);
      throw e;
    } finally {
      this.store.update("busy", null);
    }
  }

  /** `which`: 'test' or 'validation'; the result also arrives as an evaluation event. */
  async evaluate(which = "test", limit) {
    await this.ready;
    return await this.engine.call("evaluate", { which, limit });
  }

  /**
   * Like the pad: the predictor's copy of the weights when it will do (while training, a copy up
   * to ~1 s old, which never waits behind a training step; otherwise only the current weights),
   * else the engine's own answer.
   */
  async predict(pixels) {
    await this.ready;
    const checked = checkPixels(pixels, "predict");
    if (predictorUsable(this.store.state)) {
      try {
        return Array.from(await this.predictor.call("predict", { pixels: checked }));
      } catch {
        this.store.update("predictor", { broken: true }); // retired: the engine answers
      }
    }
    return Array.from(await this.engine.call("predict", { pixels: checked }));
  }

  /** Every layer's output for `pixels` (default: the model's current input). */
  async activations(pixels) {
    await this.ready;
    const input = pixels ?? this.store.state.input;
    if (!input) throw new Error("activations needs 784 pixel values in [0, 1] (nothing is drawn)");
    return await this.engine.call("activations", { pixels: checkPixels(input, "activations") });
  }
}
