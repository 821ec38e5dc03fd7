// The engine worker owns the settings (www/workers/engine_state.js), in Node over a fake wasm
// Session: it validates options with the one validate function, applies live knobs to the
// running session and reports the step a rate change takes effect at, rebuilds for structural
// changes (keeping the weights when the architecture stays), and sends its weights straight to
// the predictor's port as a flat Float32Array, the spec only when it changed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../../www/workers/engine_state.js";
import { serve } from "../../www/js/rpc.js";
import { defaults } from "../../www/js/settings.js";

/** Records what the engine asked of it; `newApi`: setOptimizer resolves to {step, optimizer}. */
class FakeSession {
  static made = [];
  static newApi = false;
  static async create(cfg, dataset, weights) {
    const s = new FakeSession(cfg, weights);
    FakeSession.made.push(s);
    return s;
  }
  constructor(cfg, weights) {
    Object.assign(this, { cfg, weights, steps: 0, calls: [], lr: cfg.optimizer.lr });
  }
  info() {
    const spec = { layers: [this.cfg.model] };
    return { kind: "cpu", adapter: "fake", spec, parameters: 3, batch: this.cfg.batch, validationSize: 0 };
  }
  async train(n) {
    this.steps += n;
  }
  async setOptimizer(changes) {
    this.calls.push(["setOptimizer", changes]);
    const optimizer = { ...this.cfg.optimizer, ...changes };
    return FakeSession.newApi ? { step: this.steps + 100, optimizer } : optimizer;
  }
  async setAugment(augment) {
    this.calls.push(["setAugment", augment]);
  }
  // Every new session gets the own examples' share (www/workers/own_examples.js).
  async setOwnShare(share) {
    this.ownShare = share;
  }
  async paramsFlat() {
    return new Float32Array([1, 2, 3]);
  }
  async exportSafetensors() {
    return new Uint8Array([42]);
  }
  free() {}
}

const WASM = { Session: FakeSession, presetSpec: (name) => ({ layers: [name] }), inspectWeights: () => ({ layers: ["mlp"] }) };

/** An engine with a session for the defaults, and what reached the page and the predictor. */
async function started() {
  FakeSession.made = [];
  FakeSession.newApi = false;
  const events = [];
  const sent = [];
  const { port1, port2 } = new MessageChannel();
  serve({ setWeights: (args) => (sent.push(args), args.version) }, { port: port2 });
  const engine = new Engine((event, fields) => events.push({ event, ...fields }), WASM);
  await engine.setUp({ config: defaults(), dataset: {}, predictorPort: port1 });
  await engine.rebuild(defaults(), null);
  const close = () => {
    port1.close();
    port2.close();
  };
  return { engine, events, sent, close };
}

/** Wait (up to 5 s) until `sent` holds `n` messages. */
async function received(sent, n) {
  for (let t = 0; t < 500 && sent.length < n; t++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(sent.length, n);
}

test("a rate change applies live and reports the step it takes effect at", async () => {
  const { engine, close } = await started();
  try {
    await engine.trainSteps(5, false);
    const res = await engine.configure({ lr: 0.01 });
    assert.equal(res.rebuilt, false);
    assert.deepEqual(res.lrChange, { step: 5, lr: 0.01 }, "the next step enqueued is the first at 0.01");
    assert.equal(res.config.optimizer.lr, 0.01, "the rate set, not its f32 rounding");
    assert.deepEqual(FakeSession.made[0].calls, [["setOptimizer", { lr: 0.01, weight_decay: 0 }]]);
    // L2 alone is live too, and no rate change is reported.
    const l2 = await engine.configure({ l2: 1e-4 });
    assert.equal(l2.lrChange, null);
    assert.equal(engine.config.optimizer.weight_decay, 1e-4);
    // Augmentation is live.
    await engine.configure({ rotate: 10 });
    assert.deepEqual(FakeSession.made[0].calls.at(-1), ["setAugment", { shift: 0, rotate: 10 }]);
    assert.equal(FakeSession.made.length, 1, "no session was rebuilt");
  } finally {
    close();
  }
});

test("where the wasm API reports the step itself, that step is used", async () => {
  const { engine, close } = await started();
  try {
    FakeSession.newApi = true;
    await engine.trainSteps(2, false);
    assert.deepEqual((await engine.configure({ lr: 0.5 })).lrChange, { step: 102, lr: 0.5 });
  } finally {
    close();
  }
});

test("invalid options are refused with the validation's message and change nothing", async () => {
  const { engine, close } = await started();
  try {
    const before = JSON.stringify(engine.config);
    await assert.rejects(engine.configure({ lr: -1 }), /learning rate -1 is not in \(0, 10\]/);
    await assert.rejects(engine.configure({ lr: 1e9 }), /learning rate 1000000000 is not in \(0, 10\]/);
    await assert.rejects(engine.configure({ batch: 0 }), /batch 0 is not a whole number in 1..1024/);
    await assert.rejects(engine.configure({ dataset: "fashion" }), /unknown option 'dataset'; known: model, spec,/);
    await assert.rejects(engine.configure({ lR: 0.1 }), /unknown option 'lR'/);
    await assert.rejects(engine.configure({ workers: 3 }), /workers must be 1, 2 or 'auto', got 3/);
    assert.equal(JSON.stringify(engine.config), before);
    assert.deepEqual(FakeSession.made[0].calls, []);
    assert.equal(FakeSession.made.length, 1);
    // A refused value locks nothing: the next valid change goes through (issue 18 saw a rate of
    // 1e9 accepted by one door, then every later configure refused).
    await engine.configure({ batch: 32 });
    assert.equal(engine.config.batch, 32);
  } finally {
    close();
  }
});

test("structural changes rebuild: same architecture keeps the weights, another model or Reset does not", async () => {
  const { engine, events, close } = await started();
  try {
    await engine.trainSteps(3, false);
    const batch = await engine.configure({ batch: 32 });
    assert.deepEqual([batch.rebuilt, batch.keptWeights], [true, true]);
    assert.deepEqual(FakeSession.made.at(-1).weights, new Uint8Array([42]), "built from the exported weights");
    assert.equal(engine.stepsEnqueued, 0, "the new session counts its steps from 0");
    assert.ok(events.some((e) => e.event === "building"), "the page is told a build started");
    const cnn = await engine.configure({ model: "cnn" });
    assert.deepEqual([cnn.rebuilt, cnn.keptWeights, cnn.config.model], [true, false, "cnn"]);
    assert.equal(FakeSession.made.at(-1).weights, undefined, "fresh weights");
    const reset = await engine.configure({}, { fresh: true });
    assert.deepEqual([reset.rebuilt, reset.keptWeights], [true, false]);
    assert.ok(events.every((e) => typeof e.weightsVersion === "number"), "every event carries the weights' version");
  } finally {
    close();
  }
});

test("the weights go straight to the predictor's port, the spec only when it changed", async () => {
  const { engine, sent, close } = await started();
  try {
    await received(sent, 1);
    assert.ok(sent[0].weights instanceof Float32Array);
    assert.deepEqual([...sent[0].weights], [1, 2, 3]);
    assert.deepEqual(sent[0].spec, { layers: ["mlp"] });
    assert.equal(sent[0].version, engine.feed.version);
    engine.weightsChanged(true);
    await received(sent, 2);
    assert.equal(sent[1].spec, undefined, "same architecture: weights only");
    assert.equal(sent[1].version, engine.feed.version);
    await engine.configure({ model: "cnn" });
    await received(sent, 3);
    assert.deepEqual(sent.at(-1).spec, { layers: ["cnn"] });
  } finally {
    close();
  }
});

test("faults are told apart: a divergence and a non-finite loss pause, anything else stops", async () => {
  const { engine, events, close } = await started();
  try {
    // The Rust trainer's messages (src/error.rs, src/trainer/divergence.rs); the divergence one
    // says "every value was finite", which must not make it a non-finite fault.
    const diverged =
      "training diverged: the loss stayed above 4.61 (its start 2.30, ...) for 50 steps, smoothed 20.10 at step 80: " +
      "training diverged although every value was finite. Try a learning rate about ten times lower than 10";
    for (const [text, kind] of [
      [diverged, "diverged"],
      ["loss became NaN: the learning rate is probably too high", "nonfinite"],
      ["invalid setting: something else", "error"],
    ]) {
      events.length = 0;
      assert.equal(await engine.fault(new Error(text)), false);
      const fault = events.find((e) => e.event === "fault");
      assert.deepEqual([fault.kind, fault.message], [kind, text]);
    }
  } finally {
    close();
  }
});
