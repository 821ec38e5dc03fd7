// A second, small engine for the drawing pad: a CPU session holding a copy of the trained
// weights, so a prediction never queues behind a training step in the main worker (a CNN step on
// the CPU takes ~100 ms; a prediction ~2 ms). The page refreshes its weights every second or so
// while training and after every change.
//
// Protocol: {id, op, args} -> {id, ok, result | error}. Ops: init, load(bytes), predict(pixels).
import init, { Dataset, Session, inspectWeights } from "./pkg/gradient_garden.js";

let dataset = null;
let session = null;
let specJson = null;

/** A one-image IDX pair: Session.create needs a training set, the predictor never trains. */
function tinyIdx() {
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
  return [images, labels];
}

const ops = {
  async init() {
    await init();
    const [images, labels] = tinyIdx();
    dataset = Dataset.fromIdx(images, labels, images, labels);
    return true;
  },

  /** Take these weights (a .safetensors file); a new architecture gets a new session. */
  async load({ bytes }) {
    const spec = JSON.stringify(inspectWeights(bytes));
    if (session && spec === specJson) {
      await session.loadSafetensors(bytes);
      return "loaded";
    }
    const next = await Session.create({ backend: "cpu", batch: 1, validation: 0 }, dataset, bytes);
    if (session) session.free();
    session = next;
    specJson = spec;
    return "created";
  },

  async predict({ pixels }) {
    if (!session) throw new Error("the predictor has no model yet");
    return await session.predict(pixels);
  },
};

// One call at a time: a load replaces the session a predict would use.
let chain = Promise.resolve();
self.onmessage = (e) => {
  const { id, op, args } = e.data;
  chain = chain.then(async () => {
    try {
      const handler = ops[op];
      if (!handler) throw new Error(`unknown operation '${op}'`);
      self.postMessage({ id, ok: true, result: await handler(args ?? {}) });
    } catch (err) {
      self.postMessage({ id, ok: false, error: err && err.message ? err.message : String(err) });
    }
  });
};
