// The page's mirror of the predictor's weights (www/js/pad_model.js), with a fake wasm Model: it
// answers only for the version it holds, builds a new model when the spec changes and sets
// weights otherwise, takes what arrived while the wasm loaded, and a failure leaves it silent
// (null: the predictor worker answers) rather than wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PadModel } from "../../www/js/pad_model.js";

function fakeWasm() {
  const log = [];
  class Model {
    static fromSpec(spec, weights) {
      if (spec.bad) throw new Error("bad spec");
      log.push(["fromSpec", spec.name, weights[0]]);
      return new Model(spec, weights);
    }
    constructor(spec, weights) {
      this.spec = spec;
      this.w = weights[0];
      this.freed = false;
    }
    setWeights(weights) {
      log.push(["setWeights", this.spec.name, weights[0]]);
      this.w = weights[0];
    }
    predict(pixels) {
      if (this.freed) throw new Error("used after free");
      return Float32Array.of(this.w, pixels[0]);
    }
    free() {
      log.push(["free", this.spec.name]);
      this.freed = true;
    }
  }
  return { log, wasm: { Model } };
}

const pixels = new Float32Array(784).fill(0.5);

test("answers for the version it holds; a new spec builds anew, the same one sets weights", async () => {
  const { log, wasm } = fakeWasm();
  const pad = new PadModel(async () => ({ wasm }));
  await pad.loaded;
  assert.equal(pad.predict(pixels, 0), null, "nothing held yet");
  pad.follow({ version: 1, spec: { name: "a" }, weights: Float32Array.of(1) });
  assert.deepEqual(Array.from(pad.predict(pixels, 1)), [1, 0.5]);
  assert.equal(pad.predict(pixels, 2), null, "another version is not answered here");
  pad.follow({ version: 2, weights: Float32Array.of(2) });
  assert.deepEqual(Array.from(pad.predict(pixels, 2)), [2, 0.5]);
  pad.follow({ version: 3, spec: { name: "b" }, weights: Float32Array.of(3) });
  assert.deepEqual(Array.from(pad.predict(pixels, 3)), [3, 0.5]);
  assert.deepEqual(log, [["fromSpec", "a", 1], ["setWeights", "a", 2], ["fromSpec", "b", 3], ["free", "a"]]);
});

test("weights that arrive while the wasm loads are taken once it has loaded", async () => {
  const { wasm } = fakeWasm();
  let release;
  const pad = new PadModel(() => new Promise((r) => (release = r)));
  pad.follow({ version: 5, spec: { name: "a" }, weights: Float32Array.of(1) });
  pad.follow({ version: 6, weights: Float32Array.of(6) });
  assert.equal(pad.predict(pixels, 6), null);
  release({ wasm });
  await pad.loaded;
  assert.deepEqual(Array.from(pad.predict(pixels, 6)), [6, 0.5], "the newest weights, built from the spec sent earlier");
});

test("a spec it cannot build, a missing array or a wasm that fails to load: null, never a stale answer", async () => {
  const { wasm } = fakeWasm();
  const pad = new PadModel(async () => ({ wasm }));
  await pad.loaded;
  pad.follow({ version: 1, spec: { name: "a" }, weights: Float32Array.of(1) });
  pad.follow({ version: 2, spec: { name: "x", bad: true }, weights: Float32Array.of(2) });
  assert.equal(pad.predict(pixels, 2), null);
  assert.equal(pad.predict(pixels, 1), null, "the old model is gone too");
  pad.follow({ version: 3, spec: { name: "c" }, weights: Float32Array.of(3) });
  assert.deepEqual(Array.from(pad.predict(pixels, 3)), [3, 0.5], "a good spec afterwards works again");
  pad.follow({ version: 4 });
  assert.equal(pad.predict(pixels, 4), null);
  assert.equal(pad.predict(pixels, 3), null);

  const failing = new PadModel(async () => {
    throw new Error("no wasm here");
  });
  await failing.loaded;
  failing.follow({ version: 1, spec: { name: "a" }, weights: Float32Array.of(1) });
  assert.equal(failing.predict(pixels, 1), null);
  assert.match(failing.failed.message, /no wasm/);
});
