// The labs' engine: a module Web Worker serving the wasm labs API over the shared protocol
// (js/rpc.js). The page starts one instance per job (the sweep, the compression table, the
// drawing pad) so a long training run never holds up a prediction. Calls run one at a time in
// arrival order; the page drives every loop one step per call (one sweep point, one compression
// setting), so stopping is simply not asking for the next one.
import init, {
  Dataset,
  LabData,
  QuantizedModel,
  ScalingSweep,
  Session,
  compress,
  inspectWeights,
  prunedSafetensors,
} from "../pkg/gradient_garden.js";
import { serve, transfer } from "../js/rpc.js";

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
  pad: { original: null, compressed: null }, // predictors: {predict(pixels), free()}
};

async function fetchBytes(path) {
  const res = await fetch(new URL(path, import.meta.url));
  if (!res.ok) throw new Error(`${path.replace("../", "")}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function mnist() {
  if (!lab.data) {
    const [a, b, c, d] = await Promise.all(DATA.map(fetchBytes));
    lab.data = LabData.fromIdx(a, b, c, d);
  }
  return lab.data;
}

/** A one-image IDX pair: Session.create needs a data set; the pad's sessions never train. */
let tiny = null;
function tinyDataset() {
  if (tiny) return tiny;
  const images = new Uint8Array(16 + 784);
  const labels = new Uint8Array(8 + 1);
  const dv = new DataView(images.buffer);
  dv.setUint32(0, 0x803);
  dv.setUint32(4, 1);
  dv.setUint32(8, 28);
  dv.setUint32(12, 28);
  const lv = new DataView(labels.buffer);
  lv.setUint32(0, 0x801);
  lv.setUint32(4, 1);
  tiny = Dataset.fromIdx(images, labels, images, labels);
  return tiny;
}

/**
 * A predictor for a float .safetensors: `{predict(pixels) -> probabilities, free()}`. The one
 * place the pad meets the float engine: an inference-only CPU Session for now; the wasm `Model`
 * (Model.fromSafetensors, a synchronous predict) replaces it here once it lands.
 */
async function floatPredictor(bytes) {
  const session = await Session.create({ backend: "cpu", batch: 1, validation: 0 }, tinyDataset(), bytes);
  return { predict: (pixels) => session.predict(pixels), free: () => session.free() };
}

/** A predictor running the real int8 forward pass of a QuantizedModel. */
function int8Predictor(model) {
  return { predict: (pixels) => model.predict(pixels), free: () => model.free() };
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

/** The file a compression `setting` turns float `bytes` into, and (when asked) a predictor for it. */
async function compressed(bytes, setting, scope, { predictor = true } = {}) {
  if (setting.kind === "f32" || setting.kind === "prune") {
    const file = setting.kind === "f32" ? bytes.slice() : prunedSafetensors(bytes, setting.sparsity, scope);
    return { file, predictor: predictor ? await floatPredictor(file) : null };
  }
  const source = setting.kind === "int8_prune" ? prunedSafetensors(bytes, setting.sparsity, scope) : bytes;
  const q = QuantizedModel.fromWeights(source);
  const file = q.exportSafetensors();
  if (!predictor) {
    q.free();
    return { file, predictor: null };
  }
  return { file, predictor: int8Predictor(q) };
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

  async exportModel({ setting, scope }) {
    if (!lab.weights) throw new Error("no model loaded");
    const { file } = await compressed(lab.weights, setting, scope, { predictor: false });
    return transfer(file, [file.buffer]);
  },

  /** The pad: the original model and `setting` of it, ready to predict. */
  async padLoad({ bytes, setting, scope }) {
    checkFloat(bytes);
    freePad("original");
    freePad("compressed");
    lab.pad.original = await floatPredictor(bytes);
    lab.pad.compressed = (await compressed(bytes, setting, scope)).predictor;
    return true;
  },

  async padSetting({ bytes, setting, scope }) {
    freePad("compressed");
    lab.pad.compressed = (await compressed(bytes, setting, scope)).predictor;
    return true;
  },

  async predict({ pixels }) {
    const { original, compressed: other } = lab.pad;
    if (!original || !other) throw new Error("the pad has no model yet");
    const [a, b] = [await original.predict(pixels), await other.predict(pixels)];
    return { original: Array.from(a), compressed: Array.from(b) };
  },
};

// Every op waits for the wasm module, instantiated once, on the first call (so a failure to load
// it is that call's error, not an unhandled rejection).
let ready = null;
const engineReady = () => (ready ??= init());
serve(Object.fromEntries(Object.entries(ops).map(([op, run]) => [op, async (args) => (await engineReady(), run(args))])));
