// The drawing pad's predictions (www/js/prediction.js), in Node with fake workers: the predictor
// answers when its copy will do and the engine otherwise, one request is in flight at a time
// (the newest input goes next), pen latency is recorded, and a predictor that fails is retired
// with the engine answering the same input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../../www/js/store.js";
import { initialState, updates } from "../../www/js/run.js";
import { defaults } from "../../www/js/settings.js";
import { Predictions } from "../../www/js/prediction.js";

/** A fake worker client whose answers the test releases by hand. */
function fakeWorker(name) {
  const calls = [];
  return {
    calls,
    call(op, args) {
      return new Promise((resolve, reject) => calls.push({ name, op, args, resolve, reject }));
    },
  };
}

function setup() {
  const store = new Store(updates, initialState(defaults()));
  store.update("started", { info: {}, config: defaults(), pretrained: false });
  const engine = fakeWorker("engine");
  const predictor = fakeWorker("predictor");
  const predictions = new Predictions(store, { engine, predictor });
  const draw = (v) => store.update("input", { pixels: new Float32Array(784).fill(v) });
  return { store, engine, predictor, predictions, draw };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

test("the engine answers while the predictor is behind; the predictor once it is current", async () => {
  const { store, engine, predictor, predictions, draw } = setup();
  store.update("weightsVersion", 2);
  store.update("predictor", { version: 1 });
  draw(0.5);
  predictions.request(performance.now(), true);
  assert.equal(engine.calls.length, 1);
  assert.equal(engine.calls[0].args.interactive, true, "the engine is told a pen is waiting");
  engine.calls[0].resolve([0.1, 0.9]);
  await tick();
  assert.deepEqual(store.state.probs, [0.1, 0.9]);
  assert.equal(store.state.latencies.length, 1, "a pen prediction's latency is recorded");
  store.update("predictor", { version: 2 });
  predictions.request();
  assert.equal(predictor.calls.length, 1);
  predictor.calls[0].resolve([0.8, 0.2]);
  await tick();
  assert.deepEqual(store.state.probs, [0.8, 0.2]);
  assert.equal(store.state.latencies.length, 1, "not from the pen: no latency");
  assert.equal(predictions.pending, false);
});

test("one request in flight; inputs drawn meanwhile are answered next, newest first", async () => {
  const { store, predictor, predictions, draw } = setup();
  store.update("predictor", { version: 0 });
  draw(0.1);
  predictions.request(1, true);
  draw(0.2);
  predictions.request(2, true);
  draw(0.3);
  predictions.request(3, true);
  assert.equal(predictor.calls.length, 1);
  assert.equal(predictions.pending, true);
  predictor.calls[0].resolve([1]);
  await tick();
  assert.equal(predictor.calls.length, 2, "the waiting input goes next");
  assert.equal(predictor.calls[1].args.pixels[0], Math.fround(0.3), "the newest pixels");
  predictor.calls[1].resolve([2]);
  await tick();
  assert.equal(predictions.pending, false);
  // Latency counts from the oldest input the answer covers (t = 2), not the newest.
  assert.ok(store.state.latencies[1] >= performance.now() - 2 - 1e3);
});

test("a predictor that fails is retired and the engine answers the same input", async () => {
  const { store, engine, predictor, predictions, draw } = setup();
  store.update("predictor", { version: 0 });
  draw(0.5);
  predictions.request(performance.now(), true);
  predictor.calls[0].reject(new Error("the predictor stopped"));
  await tick();
  assert.equal(store.state.predictorBroken, true);
  assert.equal(engine.calls.length, 1, "asked again, of the engine");
  engine.calls[0].resolve([0.3, 0.7]);
  await tick();
  assert.deepEqual(store.state.probs, [0.3, 0.7]);
  assert.equal(store.state.message, null, "no banner: the pad still works");
});

test("a cleared pad asks nothing and drops an answer that arrives late", async () => {
  const { store, engine, predictions, draw } = setup();
  draw(0.5);
  predictions.request();
  store.update("input", { pixels: null });
  engine.calls[0].resolve([1, 0]);
  await tick();
  assert.equal(store.state.probs, null);
  predictions.request();
  assert.equal(engine.calls.length, 1);
  assert.equal(predictions.pending, false);
});

test("while training, the pen tells the engine the pad is busy, at most every 500 ms", async () => {
  const { store, engine, predictor, predictions, draw } = setup();
  store.update("predictor", { version: 0 });
  draw(0.4);
  predictions.request(1000, true);
  assert.equal(engine.calls.length, 0, "not training: nothing to free");
  predictor.calls[0].resolve([1]);
  await tick();
  store.update("status", { training: true, info: {} });
  for (const t of [2000, 2100, 2499, 2500, 2600]) {
    draw(t / 1e4);
    predictions.request(t, true);
    predictor.calls.at(-1).resolve([1]);
    await tick();
  }
  assert.deepEqual(engine.calls.map((c) => c.op), ["padBusy", "padBusy"], "at 2000 and 2500 ms");
  predictions.request(3500, false);
  assert.equal(engine.calls.length, 2, "a request not from the pen says nothing");
});

test("a mirror on the page's thread answers when it holds the predictor's version (every core trains on); the worker otherwise", async () => {
  const { store, predictor, engine } = setup();
  let held = 3;
  const padModel = { predict: (pixels, version) => (version === held ? Float32Array.of(pixels[0], 1 - pixels[0]) : null) };
  const predictions = new Predictions(store, { engine, predictor, padModel });
  store.update("predictor", { version: 3 });
  store.update("weightsVersion", 3);
  store.update("status", { training: true, info: {} });
  store.update("input", { pixels: new Float32Array(784).fill(0.25) });
  predictions.request(performance.now(), true);
  assert.equal(predictor.calls.length + engine.calls.length, 0, "no worker asked, and no core freed");
  await tick();
  assert.deepEqual(Array.from(store.state.probs), [0.25, 0.75]);
  assert.equal(store.state.answeredBy, "page");
  assert.equal(store.state.latencies.length, 1, "the pen's latency is recorded");
  // The predictor moved on and the mirror has not caught up: the worker answers.
  held = 2;
  store.update("predictor", { version: 4 });
  store.update("weightsVersion", 4);
  predictions.request(performance.now(), true);
  assert.equal(predictor.calls.length, 1);
  assert.deepEqual(engine.calls.map((c) => c.op), ["padBusy"], "the worker answers the pen: a core is freed for it");
  predictor.calls[0].resolve([0.5, 0.5]);
  await tick();
  assert.equal(store.state.answeredBy, "predictor");
});
