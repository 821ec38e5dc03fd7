// The engine's home: a module Web Worker that owns the wasm Dataset and Session, the settings in
// use and the training loop, so the page never blocks on a training step. A thin `serve(ops)`
// (www/js/rpc.js) over the Engine (engine_state.js).
//
// Calls are answered concurrently (a pause must not wait behind a running loop); every engine
// call inside goes through `engine.serial`, so calls never interleave mid-operation, and a
// prediction waits for at most one chunk of training steps.
//
// Events pushed to the page, each with `weightsVersion` (see predictor_feed.js):
//   status {training, info, note?}          the session, its backend and workers, the loop
//   building                                a new session is being built (controls wait)
//   metrics {records, ms, samplesPerSec, chunk}
//   evaluation {which, step, auto, ms, result}
//   stats {step, stats}                     gradient-flow stats, every ~10 steps
//   fault {kind: nonfinite|diverged|gpu|error|fatal|warning, message}
//   rebuilt {info, config, keptWeights, reason}   the engine moved itself to the CPU
//   probe {key, result}                     a new 'auto' backend decision, for the page to keep
//   data {dataset, stage, loaded, total, done, error}   the full training set streaming in
//   earlyStop {step, bestStep, bestLoss, patience, restored}   early stopping ended the run
//   raceProgress {names, update: [{run, loss, val}]}             a race's new points (race.js)
//
// On the CPU backend a second worker (www/workers/grad.js, via parallel.js) computes part of every
// batch where the machine has two cores or more.
import { serve } from "../js/rpc.js";
import { loadWasm } from "../js/wasm_build.js";
import { TrainData } from "./train_data.js";
import { examplesOps } from "./own_ops.js";
import { Engine } from "./engine_state.js";
import { installGpuWatch } from "./gpu_watch.js";
import { historyOps } from "./engine_history.js";
import { raceOps } from "./race.js";

// Before the wasm asks for a device: counts live GPU buffers, and is the device-loss test hook.
const gpuWatch = installGpuWatch();

// The wasm module's exports and which build they are (js/wasm_build.js), once `init` loaded them.
let wasm = null;
let wasmBuild = null;
// The pretrained model of each dataset (scripts/pretrain.sh).
const PRETRAINED = { mnist: "../models/cnn.safetensors", fashion: "../models/fashion_cnn.safetensors" };
const errorText = (e) => (e && e.message ? e.message : String(e));

/** The pretrained model, or null when the site ships none (a 404 is normal, not an error). */
async function fetchPretrained(dataset = "mnist") {
  try {
    const res = await fetch(new URL(PRETRAINED[dataset], import.meta.url));
    return res.ok ? new Uint8Array(await res.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

const server = serve(
  {
    /**
     * Load the engine and MNIST and build the first session from `config` (the URL's settings):
     * the pretrained model when asked for and, if `pretrainedMustMatch`, the same model.
     * `predictorPort`: this worker's end of the channel to the predictor; `probes`: the 'auto'
     * backend decisions the page kept (js/probe_cache.js).
     */
    async init({ config, dataset: name = "mnist", tryPretrained, pretrainedMustMatch, predictorPort, probes }) {
      ({ wasm, build: wasmBuild } = await loadWasm());
      engine.wasm = wasm;
      data = new TrainData(engine, wasm.Dataset);
      const { dataset, key } = await data.start(name);
      engine.workers.data.stage = key;
      await engine.setUp({ config, dataset, predictorPort, probes });
      // The rest of the training set streams in meanwhile (the first session may already be
      // built on it if it arrives first: the grown set begins with the first slice).
      data.grow();
      const weights = tryPretrained ? await fetchPretrained(name) : null;
      let pretrained = false;
      if (weights) {
        try {
          const model = engine.nameOf(wasm.inspectWeights(weights));
          // A link that names a model gets that model; the pretrained one only if it is the same.
          if (!pretrainedMustMatch || JSON.stringify(model) === JSON.stringify(config.model)) {
            await engine.rebuild({ ...config, model }, weights);
            pretrained = true;
          }
        } catch (e) {
          engine.post("fault", { kind: "warning", message: `The pretrained model was not used: ${errorText(e)}` });
        }
      }
      if (!pretrained) await engine.rebuild(config, null);
      engine.status();
      return {
        info: engine.info,
        config: engine.config,
        pretrained,
        ownShare: engine.own.share,
        data: { ...data.progress },
        weightsVersion: engine.feed.version,
        wasmBuild,
      };
    },

    /** `opts`: playground.configure's options; `fresh`: new weights (Reset). See Engine.configure. */
    async configure({ opts, fresh }) {
      // The own examples' share is the engine's, not a session setting (own_examples.js).
      // Anything but an options object goes on to the settings' own refusal.
      const isOptions = opts !== null && typeof opts === "object" && !Array.isArray(opts);
      const { ownShare, dataset, ...settings } = isOptions ? opts : {};
      const rest = isOptions ? settings : opts;
      if (ownShare !== undefined) await engine.own.setShare(ownShare);
      let result;
      if (dataset !== undefined && dataset !== data.name) {
        await data.switchTo(dataset, async (set, key) => (result = await rebuildOn(set, key, rest, dataset)));
      } else result = await engine.configure(rest, { fresh });
      return { ...result, ownShare: engine.own.share, data: { ...data.progress }, weightsVersion: engine.feed.version };
    },

    ...examplesOps(() => engine),

    async start() {
      engine.loop.start();
      return true;
    },

    async pause() {
      await engine.loop.stop();
      engine.weightsChanged();
      return { weightsVersion: engine.feed.version };
    },

    async step({ steps = 1 }) {
      engine.requireSession();
      if (engine.loop.training) return { weightsVersion: engine.feed.version };
      try {
        await engine.loop.cycle(steps, false);
      } catch (e) {
        await engine.fault(e);
        throw e;
      }
      return { weightsVersion: engine.feed.version };
    },

    async setAutoTest({ on }) {
      engine.loop.autoTest = !!on;
      return engine.loop.autoTest;
    },

    /**
     * Make the next training cycle fail with `text` (exercises the GPU-failure and fault paths);
     * `where: 'helper'` makes the second worker's next part fail instead; `where: 'device'`
     * destroys the engine's real GPU device (`text` unused), so the next GPU call fails as after
     * a driver reset.
     */
    async injectFault({ text, where }) {
      if (where === "device") {
        const n = await engine.serial(() => gpuWatch?.destroyDevices() ?? 0);
        if (!n) throw new Error("no GPU device is in use");
        return true;
      }
      if (where === "helper") {
        if (!engine.workers.usable(engine.info)) throw new Error("no second worker is running");
        return await engine.workers.helper.call("injectFault", { text });
      }
      engine.loop.injected = String(text);
      return true;
    },

    /**
     * The pen is on the pad (the predictor answers it): for a while train in short cycles on one
     * worker, so the helper's core is free for the drawing's predictions.
     */
    async padBusy() {
      engine.loop.markInteractive();
      return true;
    },

    /** The engine's own prediction (exact, current weights); `interactive`: from the pen. */
    async predict({ pixels, interactive }) {
      if (interactive) engine.loop.markInteractive();
      return await engine.withSession((s) => s.predict(pixels));
    },

    /** A saliency map from the engine's own backend (the GPU's backward pass on the GPU). */
    async saliency({ pixels, method = "gradient", target }) {
      return await engine.withSession((s) => s.saliency(pixels, method, target ?? undefined));
    },

    async activations({ pixels }) {
      return await engine.withSession((s) => s.activations(pixels));
    },

    async params({ first }) {
      const all = await engine.withSession((s) => s.params());
      return first ? all.slice(0, first) : all;
    },

    async layerStats() {
      return await engine.withSession((s) => s.layerStats());
    },

    async evaluate({ which, limit }) {
      engine.requireSession();
      return await engine.loop.evaluate(which, limit);
    },

    async exportModel() {
      return await engine.withSession((s) => s.exportSafetensors());
    },

    async exportOnnx() {
      return await engine.withSession((s) => s.exportOnnx());
    },

    async loadModel({ bytes }) {
      const result = await engine.loadModel(bytes);
      return { ...result, weightsVersion: engine.feed.version };
    },

    async checkSpec({ spec }) {
      return wasm.checkSpec(spec);
    },

    async presetSpec({ name }) {
      return wasm.presetSpec(name);
    },

    async testImage({ index }) {
      engine.requireSession();
      return { pixels: engine.dataset.testImage(index), label: engine.dataset.testLabel(index) };
    },

    // history, viewStep, resumeFrom, setHistoryCap (engine_history.js).
    ...historyOps(() => engine),
    // race, raceAdopt (race.js).
    ...raceOps(() => engine),
  },
  { serial: false },
);

const engine = new Engine((event, fields) => server.emit(event, fields), wasm);
// The training data (train_data.js), once `init` has loaded the wasm.
let data = null;

/**
 * A new session on another dataset (`opts`: the rest of configure's options): fresh weights, or
 * that dataset's pretrained model when the architecture is its. Throws, keeping the old session
 * and dataset, when the options are invalid or the model cannot be built.
 */
async function rebuildOn(dataset, key, opts, name) {
  const old = { dataset: engine.dataset, stage: engine.workers.data.stage };
  engine.dataset = engine.factory.dataset = dataset;
  engine.workers.data.stage = key;
  let result;
  try {
    result = await engine.configure(opts, { fresh: true });
  } catch (e) {
    engine.dataset = engine.factory.dataset = old.dataset;
    engine.workers.data.stage = old.stage;
    throw e;
  }
  const weights = await fetchPretrained(name);
  let pretrained = false;
  if (weights) {
    try {
      if (JSON.stringify(wasm.inspectWeights(weights)) === JSON.stringify(engine.info.spec)) {
        await engine.loadModel(weights);
        pretrained = true;
      }
    } catch (e) {
      engine.post("fault", { kind: "warning", message: `The pretrained model was not used: ${errorText(e)}` });
    }
  }
  return { ...result, pretrained };
}
