// The predictor's model class: the wasm `Model` (inference only: `Model.fromSpec(spec, weights)`,
// `setWeights(flat)`, `predict(pixels)`), or, until the wasm package has it, the same interface
// over a one-image CPU `Session` (SessionModel below). The predictor awaits every call, so the
// synchronous `Model` and the asynchronous stand-in look alike to it.
// TODO(coordinator): delete SessionModel once `Model` is in the wasm package everywhere.

/** A one-image IDX pair: Session.create needs a training set, a predictor never trains. */
function tinyIdx() {
  const images = new Uint8Array(16 + 784);
  const labels = new Uint8Array(8 + 1);
  const iv = new DataView(images.buffer);
  iv.setUint32(0, 0x803);
  iv.setUint32(4, 1);
  iv.setUint32(8, 28);
  iv.setUint32(12, 28);
  const lv = new DataView(labels.buffer);
  lv.setUint32(0, 0x801);
  lv.setUint32(4, 1);
  return [images, labels];
}

/** `wasm`: the loaded wasm module. Resolves to a class with Model's interface. */
export async function modelClass(wasm) {
  if (wasm.Model) return wasm.Model;
  const [images, labels] = tinyIdx();
  const dataset = wasm.Dataset.fromIdx(images, labels, images, labels);

  return class SessionModel {
    constructor(session) {
      this.session = session;
    }

    static async fromSpec(spec, weights) {
      const session = await wasm.Session.create({ model: spec, backend: "cpu", batch: 1, validation: 0 }, dataset);
      await session.setParamsFlat(weights);
      return new SessionModel(session);
    }

    setWeights(weights) {
      return this.session.setParamsFlat(weights);
    }

    predict(pixels) {
      return this.session.predict(pixels);
    }

    free() {
      this.session.free();
    }
  };
}
