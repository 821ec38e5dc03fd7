// The scripting surface, `window.playground` (README "Scripting API"): the page's actions for
// tests and the console. Every method that talks to the engine returns a promise and waits for
// start-up itself.
import { curvesCsv } from "../run.js";
import { adoptRace, runRace } from "../race.js";

export function mountApi(store, app, explainer, examples) {
  window.playground = {
    /** Your own examples (www/js/examples.js): add one (the drawing when `pixels` is omitted). */
    addExample: (label, pixels) => examples.add(label, pixels),
    examples: () => examples.examples(),
    clearExamples: () => examples.clear(),
    /** `{images, labels}`: the examples as IDX gzip bytes; `importExamples` takes such a pair. */
    exportExamples: () => examples.exportIdx(),
    importExamples: (images, labels) => examples.importIdx(images, labels),
    /** `{own, samples}`: own examples and all samples the engine has put into batches. */
    ownCounts: async () => {
      await app.ready;
      return app.call("ownCounts");
    },
    ready: app.ready,
    state: () => app.state(),
    configure: (opts) => app.configure(opts),
    setLearningRate: (lr) => app.setLearningRate(lr),
    start: () => app.start(),
    pause: () => app.pause(),
    step: (n) => app.step(n),
    reset: () => app.reset(),
    predict: (pixels) => app.predict(pixels),
    evaluate: (which, limit) => app.evaluate(which, limit),
    exportModel: () => app.exportModel(),
    loadModel: (bytes) => app.loadModel(bytes),
    /** The model as ONNX bytes (Uint8Array). */
    exportOnnx: () => app.exportOnnx(),
    /** The 784 floats the model currently sees (the preprocessed drawing), or null. */
    input: () => (store.state.input ? Array.from(store.state.input) : null),
    activations: (pixels) => app.activations(pixels),
    layerStats: async () => {
      await app.ready;
      return app.call("layerStats");
    },
    /**
     * Make the engine's next training cycle fail with `text`, e.g. "GPU error: device lost";
     * `where = 'helper'`: the second training worker's next part fails instead.
     */
    injectFault: async (text, where) => {
      await app.ready;
      return app.call("injectFault", { text, where });
    },
    curvesCsv: () => curvesCsv(store.state),
    /** The kept snapshots of the run: `[{step, epoch, loss}]` (src/trainer/snapshots.rs). */
    history: () => app.timeline.history(),
    /** Show the kept snapshot nearest `step` in the whole view (null: live); resolves to state().view. */
    viewStep: (step) => app.timeline.viewStep(step),
    /** Branch the run at the kept snapshot nearest `step`; resolves to state(). */
    resumeFrom: (step) => app.timeline.resumeFrom(step),
    /** The snapshots' memory cap in bytes (default 64 MB; 0 keeps none). */
    setHistoryCap: (bytes) => app.timeline.setCap(bytes),
    /**
     * Race 2-4 runs (each an object of configure options, plus `name`) from the same initial
     * weights and batch order: `opts` {steps, target, evalEvery, testLimit}. Resolves to the
     * table's rows {name, stepsToTarget, secondsToTarget, bestValLoss, finalTestAccuracy, ...}.
     */
    race: (configs, opts) => runRace(store, app, configs, opts),
    /** The race's curves: `[{name, loss: [[step, loss]], val: [[step, loss, accuracy]]}]`. */
    raceCurves: () => (store.state.race ? store.state.race.runs.map((r, i) => ({ name: store.state.race.names[i], loss: r.loss.map((p) => [...p]), val: r.val.map((p) => [...p]) })) : null),
    /** Make row `index` of the last race the main run (its settings and final weights). */
    raceAdopt: (index) => adoptRace(store, app, index),
    /** End the running race after its current round (its rows cover the steps trained). */
    raceStop: async () => {
      await app.ready;
      return app.call("raceStop");
    },
    /**
     * 784 floats: the saliency of the input (or `pixels`) for `target` (default: predicted), by
     * `method` ('gradient' | 'smoothgrad' | 'integrated'); `on: 'engine'` computes it on the
     * training backend (CPU or GPU) instead of the pad's predictor.
     */
    saliency: async (opts = {}) => Array.from((await explainer.saliency(opts)).values),
    /** `{pixels, value, startValue}`: the input that maximises unit `unit` of layer `layer`. */
    unitWants: async (opts) => {
      const r = await explainer.unitWants(opts);
      return { pixels: Array.from(r.pixels), value: r.value, startValue: r.startValue };
    },
    /** `[{index, label, value}]`: the `k` test images on which the unit is largest, largest first. */
    topImages: async (opts) => {
      const { top } = await explainer.topImages(opts);
      return top.map(({ index, label, value }) => ({ index, label, value }));
    },
    /** `{eps, pixels, probabilities, success}`: the smallest nudge within `maxEps` to `target`. */
    adversarial: async (opts = {}) => {
      const r = await explainer.adversarial(opts);
      return { eps: r.eps, success: r.success, pixels: Array.from(r.pixels), probabilities: Array.from(r.probabilities) };
    },
  };
}
