// The labs' engine: a module Web Worker around the wasm labs API. The page starts one instance
// per job (the sweep, the compression table, the drawing pad) so a long training run never holds
// up a prediction.
//
// Protocol (page -> worker): {id, op, args}; the reply is {id, ok, result} or {id, ok:false, error}.
// Calls run one at a time in arrival order. The page drives every loop one step per call (one
// sweep point, one compression setting), so stopping is simply not asking for the next one.
import init, {
  Dataset,
  LabData,
  QuantizedModel,
  ScalingSweep,
  Session,
  compress,
  fitPowerLaw,
  inspectWeights,
  prunedSafetensors,
} from "../pkg/gradient_garden.js";

const DATA = [
  "../data/train10k-images-idx3-ubyte.gz",
  "../data/train10k-labels-idx1-ubyte.gz",
  "../data/t10k-images-idx3-ubyte.gz",
  "../data/t10k-labels-idx1-ubyte.gz",
];
const PRETRAINED = "../models/cnn.safetensors";

let ready = null; // init() once
let labData = null; // MNIST, loaded on first need
let sweep = null;
let weights = null; // the float .safetensors the compression lab works on
let pad = { original: null, compressed: null, int8: null, setting: null };

async function fetchBytes(path) {
  const res = await fetch(new URL(path, import.meta.url));
  if (!res.ok) throw new Error(`${path.replace("../", "")}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function data() {
  if (!labData) {
    const [a, b, c, d] = await Promise.all(DATA.map(fetchBytes));
    labData = LabData.fromIdx(a, b, c, d);
  }
  return labData;
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

function floatSession(bytes) {
  return Session.create({ backend: "cpu", batch: 1, validation: 0 }, tinyDataset(), bytes);
}

/** A float .safetensors, or a readable error (an int8 export is named as such). */
function checkFloat(bytes) {
  let spec;
  try {
    spec = inspectWeights(bytes);
  } catch (e) {
    try {
      QuantizedModel.fromInt8(bytes).free();
    } catch {
      throw new Error(`not a model file this page can read: ${e.message ?? e}`);
    }
    throw new Error("this is an int8 file exported by the lab; compression starts from a float (f32) model");
  }
  return spec;
}

/** The bytes a setting turns `weights` into, and a predictor for them. */
async function compressed(bytes, setting, scope) {
  if (setting.kind === "f32") return { file: bytes.slice(), session: await floatSession(bytes) };
  if (setting.kind === "prune") {
    const file = prunedSafetensors(bytes, setting.sparsity, scope);
    return { file, session: await floatSession(file) };
  }
  const source = setting.kind === "int8_prune" ? prunedSafetensors(bytes, setting.sparsity, scope) : bytes;
  const q = QuantizedModel.fromWeights(source);
  return { file: q.exportSafetensors(), int8: q };
}

function freePad(which) {
  const p = pad[which];
  if (p && p.session) p.session.free();
  if (p && p.int8) p.int8.free();
  pad[which] = null;
}

const ops = {
  async sweepStart({ config }) {
    if (sweep) sweep.free();
    sweep = null;
    sweep = new ScalingSweep(config, await data());
    return { length: sweep.length };
  },

  async sweepNext() {
    if (!sweep) return null;
    const point = await sweep.next();
    if (point === null) {
      sweep.free();
      sweep = null;
    }
    return point;
  },

  async sweepStop() {
    if (sweep) sweep.free();
    sweep = null;
    return true;
  },

  async fit({ points }) {
    return fitPowerLaw(points);
  },

  /** Take a float model: the given bytes, or the shipped pretrained CNN. */
  async loadModel({ bytes }) {
    const file = bytes ?? (await fetchBytes(PRETRAINED));
    const spec = checkFloat(file);
    weights = file;
    return { spec, bytes: file.byteLength };
  },

  async evaluate({ setting, scope, limit }) {
    if (!weights) throw new Error("no model loaded");
    const [row] = compress(weights, [setting], await data(), { scope, limit });
    return row;
  },

  async exportModel({ setting, scope }) {
    if (!weights) throw new Error("no model loaded");
    const c = await compressed(weights, setting, scope);
    if (c.session) c.session.free();
    if (c.int8) c.int8.free();
    return c.file;
  },

  /** The pad: the original model and `setting` of it, ready to predict. */
  async padLoad({ bytes, setting, scope }) {
    checkFloat(bytes);
    freePad("original");
    freePad("compressed");
    pad.original = { session: await floatSession(bytes) };
    pad.compressed = await compressed(bytes, setting, scope);
    return true;
  },

  async padSetting({ bytes, setting, scope }) {
    freePad("compressed");
    pad.compressed = await compressed(bytes, setting, scope);
    return true;
  },

  async predict({ pixels }) {
    if (!pad.original || !pad.compressed) throw new Error("the pad has no model yet");
    const original = await pad.original.session.predict(pixels);
    const c = pad.compressed;
    const other = c.int8 ? c.int8.predict(pixels) : await c.session.predict(pixels);
    return { original: Array.from(original), compressed: Array.from(other) };
  },
};

let chain = Promise.resolve();
self.onmessage = (e) => {
  const { id, op, args } = e.data;
  chain = chain.then(async () => {
    try {
      if (!ready) ready = init();
      await ready;
      const handler = ops[op];
      if (!handler) throw new Error(`unknown operation '${op}'`);
      const result = await handler(args ?? {});
      const transfer = result instanceof Uint8Array ? [result.buffer] : [];
      self.postMessage({ id, ok: true, result }, transfer);
    } catch (err) {
      self.postMessage({ id, ok: false, error: err && err.message ? err.message : String(err) });
    }
  });
};
