// The labs' engine: a module Web Worker serving the wasm labs API over the shared protocol
// (js/rpc.js). The page starts one instance per job (the sweep, the compression table, the
// drawing pad) so a long training run never holds up a prediction. Calls run one at a time in
// arrival order; the page drives every loop one step per call (one sweep point, one compression
// setting), so stopping is simply not asking for the next one.
import { serve, transfer } from "../js/rpc.js";
import { loadWasm } from "../js/wasm_build.js";

// The engine's classes and functions, from the wasm build this browser runs (js/wasm_build.js).
let Dataset, Model, QuantizedModel, ScalingSweep, compress, inspectWeights, prunedSafetensors;

const DATA = [
  "../data/train10k-images-idx3-ubyte.gz",
  "../data/train10k-labels-idx1-ubyte.gz",
  "../data/t10k-images-idx3-ubyte.gz",
  "../data/t10k-labels-idx1-ubyte.gz",
];
const PRETRAINED = "../models/cnn.safetensors";

/** This worker's state: what it has loaded, built or is running. */
const lab = {
  data: null, // MNIST (train and test), loaded on first need
  sweep: null, // the ScalingSweep in progress
  weights: null, // the float .safetensors the compression lab works on
  pad: { original: null, compressed: null }, // a Model and a Model or QuantizedModel
};

async function fetchBytes(path) {
  const res = await fetch(new URL(path, import.meta.url));
  if (!res.ok) throw new Error(`${path.replace("../", "")}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function mnist() {
  if (!lab.data) {
    const [a, b, c, d] = await Promise.all(DATA.map(fetchBytes));
    lab.data = Dataset.fromIdx(a, b, c, d);
  }
  return lab.data;
}

/** A float .safetensors' spec, or a readable error (an int8 export is named as such). */
function checkFloat(bytes) {
  try {
    return inspectWeights(bytes);
  } catch (e) {
    try {
      QuantizedModel.fromInt8(bytes).free();
    } catch {
      throw new Error(`not a model file this page can read: ${e.message ?? e}`);
    }
    throw new Error("this is an int8 file exported by the lab; compression starts from a float (f32) model");
  }
}

/**
 * The file a compression `setting` turns float `bytes` into and, when asked, a model that
 * predicts with it: the inference-only wasm `Model` for a float file (f32, pruned), the
 * `QuantizedModel` (a real int8 forward pass) for int8. Both have predict(pixels) -> ten
 * probabilities, synchronous, and free().
 */
function compressed(bytes, setting, scope, { predictor = true } = {}) {
  if (setting.kind === "f32" || setting.kind === "prune") {
    const file = setting.kind === "f32" ? bytes.slice() : prunedSafetensors(bytes, setting.sparsity, scope);
    return { file, model: predictor ? Model.fromSafetensors(file) : null };
  }
  const source = setting.kind === "int8_prune" ? prunedSafetensors(bytes, setting.sparsity, scope) : bytes;
  const q = QuantizedModel.fromWeights(source);
  const file = q.exportSafetensors();
  if (predictor) return { file, model: q };
  q.free();
  return { file, model: null };
}

function freePad(which) {
  lab.pad[which]?.free();
  lab.pad[which] = null;
}

function stopSweep() {
  lab.sweep?.free();
  lab.sweep = null;
}

const ops = {
  async sweepStart({ config }) {
    stopSweep();
    lab.sweep = new ScalingSweep(config, await mnist());
    return { length: lab.sweep.length };
  },

  /** The next finished run, or null when the sweep is over (or was never started). */
  async sweepNext() {
    if (!lab.sweep) return null;
    const point = await lab.sweep.next();
    if (point === null) stopSweep();
    return point;
  },

  sweepStop() {
    stopSweep();
    return true;
  },

  /** Take a float model: the given bytes, or the shipped pretrained CNN. */
  async loadModel({ bytes }) {
    const file = bytes ?? (await fetchBytes(PRETRAINED));
    const spec = checkFloat(file);
    lab.weights = file;
    return { spec, bytes: file.byteLength };
  },

  async evaluate({ setting, scope, limit }) {
    if (!lab.weights) throw new Error("no model loaded");
    const [row] = compress(lab.weights, [setting], await mnist(), { scope, limit });
    return row;
  },

  exportModel({ setting, scope }) {
    if (!lab.weights) throw new Error("no model loaded");
    const { file } = compressed(lab.weights, setting, scope, { predictor: false });
    return transfer(file, [file.buffer]);
  },

  /** The pad: the original model and `setting` of it, ready to predict. */
  padLoad({ bytes, setting, scope }) {
    checkFloat(bytes);
    freePad("original");
    freePad("compressed");
    lab.pad.original = Model.fromSafetensors(bytes);
    lab.pad.compressed = compressed(bytes, setting, scope).model;
    return true;
  },

  padSetting({ bytes, setting, scope }) {
    freePad("compressed");
    lab.pad.compressed = compressed(bytes, setting, scope).model;
    return true;
  },

  predict({ pixels }) {
    const { original, compressed: other } = lab.pad;
    if (!original || !other) throw new Error("the pad has no model yet");
    return { original: Array.from(original.predict(pixels)), compressed: Array.from(other.predict(pixels)) };
  },
};

// Every op waits for the wasm module, instantiated once, on the first call (so a failure to load
// it is that call's error, not an unhandled rejection).
let ready = null;
const engineReady = () =>
  (ready ??= loadWasm().then(({ wasm }) => {
    ({ Dataset, Model, QuantizedModel, ScalingSweep, compress, inspectWeights, prunedSafetensors } = wasm);
  }));
serve(Object.fromEntries(Object.entries(ops).map(([op, run]) => [op, async (args) => (await engineReady(), run(args))])));
