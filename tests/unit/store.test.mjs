// The page's store (www/js/store.js) and its updates (www/js/run.js), in Node: named updates,
// subscribers (all or by name), the run's step bookkeeping across rebuilds, learning-rate marks
// placed at the step the engine reports, and the derived values (state(), CSV, latency).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../../www/js/store.js";
import {
  initialState, updates, snapshot, curvesCsv, latencyStats, recentMeans, predictorUsable, predictorSyncing,
} from "../../www/js/run.js";
import { defaults } from "../../www/js/settings.js";

const INFO = { kind: "cpu", adapter: "wasm", spec: { layers: [] }, parameters: 7, batch: 64 };
const fresh = () => new Store(updates, initialState(defaults()));
const records = (from, n, lr = 0.001) =>
  Array.from({ length: n }, (_, i) => ({ step: from + i, epoch: 0, loss: 2 - 0.01 * (from + i), accuracy: 0.5, lr }));

test("named updates change the state; unknown names throw", () => {
  const store = fresh();
  store.update("started", { info: INFO, config: defaults(), pretrained: true });
  assert.equal(store.state.ready, true);
  assert.equal(store.state.pretrained, true);
  assert.throws(() => store.update("metrcis", {}), /unknown store update 'metrcis'/);
  assert.throws(() => store.update("toString", {}), /unknown store update/);
});

test("subscribers hear every update, or only the names they asked for, until unsubscribed", () => {
  const store = fresh();
  const all = [], some = [];
  const off = store.subscribe((s, name) => all.push(name));
  store.subscribe((s, name, payload) => some.push([name, payload]), ["training"]);
  store.update("training", true);
  store.update("message", { text: "hi", kind: "info" });
  off();
  store.update("training", false);
  assert.deepEqual(all, ["training", "message"]);
  assert.deepEqual(some, [["training", true], ["training", false]]);
});

test("metrics extend the run; a rebuild with the same weights continues it, marked; another model restarts it", () => {
  const store = fresh();
  store.update("started", { info: INFO, config: defaults(), pretrained: false });
  store.update("metrics", { records: records(0, 10), samplesPerSec: 1000 });
  assert.equal(store.state.step, 10);
  // Another optimizer kind: a new session (its steps from 0) with the same weights.
  const momentum = { ...defaults(), optimizer: { kind: "momentum", lr: 0.001, weight_decay: 0 } };
  store.update("settings", { config: momentum, info: INFO, rebuilt: true, keptWeights: true, lrChange: null });
  assert.deepEqual(store.state.marks, [{ step: 10, label: "momentum" }]);
  store.update("metrics", { records: records(0, 5), samplesPerSec: 1000 });
  assert.deepEqual(store.state.history.recent.map((r) => r.step), [...Array(15).keys()]);
  assert.equal(store.state.step, 15);
  // Another model: the run starts over.
  store.update("settings", { config: { ...momentum, model: "cnn" }, info: INFO, rebuilt: true, keptWeights: false, lrChange: null });
  assert.equal(store.state.step, 0);
  assert.equal(store.state.history.length, 0);
  assert.deepEqual(store.state.marks, []);
});

test("a rate change is marked at the step the engine reports, shifted into the run's steps", () => {
  const store = fresh();
  store.update("started", { info: INFO, config: defaults(), pretrained: false });
  store.update("metrics", { records: records(0, 4), samplesPerSec: 1 });
  store.update("settings", { config: { ...defaults(), backend: "cpu" }, info: INFO, rebuilt: true, keptWeights: true, lrChange: null });
  const faster = { ...defaults(), backend: "cpu", optimizer: { kind: "adam", lr: 0.01, weight_decay: 0 } };
  store.update("settings", { config: faster, info: INFO, rebuilt: false, keptWeights: true, lrChange: { step: 3, lr: 0.01 } });
  assert.deepEqual(store.state.lrMarks, [{ step: 7, lr: 0.01 }]);
  // A second change before any step ran with the first replaces it.
  store.update("settings", { config: faster, info: INFO, rebuilt: false, keptWeights: true, lrChange: { step: 3, lr: 0.02 } });
  assert.deepEqual(store.state.lrMarks, [{ step: 7, lr: 0.02 }]);
  assert.equal(snapshot(store.state).lr, 0.01, "state().lr is the engine's setting");
  assert.deepEqual(snapshot(store.state).lrChanges, [{ step: 7, lr: 0.02 }]);
});

test("faults set the banner and stop training as the engine says", () => {
  const store = fresh();
  store.update("training", true);
  store.update("fault", { kind: "gpu", message: "The GPU failed (x); training moved to the CPU." });
  assert.equal(store.state.training, true);
  assert.equal(store.state.message.kind, "info");
  store.update("fault", { kind: "nonfinite", message: "NaN at step 3" });
  assert.equal(store.state.training, false);
  assert.deepEqual(store.state.message, { text: "Training paused: NaN at step 3.", kind: "error" });
  assert.equal(snapshot(store.state).fault, "NaN at step 3");
});

test("the predictor is used while training, or when it holds the engine's current weights", () => {
  const store = fresh();
  const s = store.state;
  assert.equal(predictorUsable(s), false, "nothing loaded yet");
  store.update("weightsVersion", 3);
  store.update("predictor", { version: 2 });
  assert.equal(predictorUsable(s), false, "behind while paused");
  assert.equal(predictorSyncing(s), true);
  store.update("training", true);
  assert.equal(predictorUsable(s), true, "a little behind is fine while training");
  store.update("training", false);
  store.update("predictor", { version: 3 });
  assert.equal(predictorUsable(s), true);
  assert.equal(predictorSyncing(s), false);
  store.update("weightsVersion", 2);
  assert.equal(s.weightsVersion, 3, "versions never go back");
  store.update("predictor", { broken: true });
  assert.equal(predictorUsable(s), false);
  assert.equal(predictorSyncing(s), false, "a retired predictor is not waited for");
});

test("input, prediction and latency", () => {
  const store = fresh();
  store.update("input", { pixels: new Float32Array(784) });
  store.update("prediction", { probs: [0.1, 0.9], latencyMs: 12 });
  store.update("prediction", { probs: [0.2, 0.8] });
  assert.deepEqual(store.state.probs, [0.2, 0.8]);
  assert.deepEqual(latencyStats(store.state.latencies), { n: 1, median: 12, p95: 12 });
  store.update("input", { pixels: null });
  assert.equal(store.state.probs, null, "nothing drawn: no answer shown");
  assert.deepEqual(latencyStats([5, 1, 3, 2, 4]), { n: 5, median: 3, p95: 5 });
  assert.ok(Number.isNaN(latencyStats([]).median));
});

test("derived values: recent means, CSV, a snapshot that is a copy", () => {
  const store = fresh();
  store.update("started", { info: INFO, config: defaults(), pretrained: false });
  assert.equal(recentMeans(store.state.history), null);
  store.update("metrics", { records: records(0, 3), samplesPerSec: 1 });
  store.update("evaluation", { which: "validation", step: 2, result: { loss: 1, accuracy: 0.7, n: 100 } });
  assert.ok(Math.abs(recentMeans(store.state.history).loss - 1.99) < 1e-9);
  assert.equal(
    curvesCsv(store.state),
    "series,step,epoch,loss,accuracy,lr,steps\ntrain,0,0,2,0.5,0.001,1\ntrain,1,0,1.99,0.5,0.001,1\ntrain,2,0,1.98,0.5,0.001,1\nvalidation,3,,1,0.7,,\n",
  );
  const snap = snapshot(store.state, { predictionPending: true });
  assert.equal(snap.predictionPending, true);
  assert.equal(snap.backend, "cpu");
  snap.optimizer.lr = 5;
  snap.loss.push(9);
  assert.equal(store.state.config.optimizer.lr, 0.001, "changing the snapshot changes nothing");
  assert.equal(store.state.history.length, 3);
});

test("a diverged run pauses with the engine's message and says the weights were rolled back", () => {
  const store = fresh();
  store.update("started", { info: INFO, config: defaults(), pretrained: false });
  store.update("training", true);
  store.update("fault", { kind: "diverged", message: "training diverged: ... Try a learning rate about ten times lower than 10" });
  assert.equal(store.state.training, false);
  assert.equal(store.state.message.kind, "error");
  assert.match(store.state.message.text, /^Training paused: training diverged: .*ten times lower.*weights are back/);
  assert.match(snapshot(store.state).fault, /training diverged/);
});

test("a long run stays bounded: state() and the CSV keep the whole run in fixed space", () => {
  const store = fresh();
  store.update("started", { info: INFO, config: defaults(), pretrained: false });
  const n = 200_000;
  for (let from = 0; from < n; from += 1000) store.update("metrics", { records: records(from, 1000), samplesPerSec: 1 });
  for (let step = 0; step < n; step += 10) {
    store.update("stats", { step, stats: [{ name: "0.weight", grad_norm: 1 + step, weight_norm: 2, update_norm: 1e-3 }] });
  }
  const snap = snapshot(store.state);
  assert.equal(snap.step, n);
  assert.equal(snap.loss.length, 2048, "state().loss is the recent window");
  assert.equal(snap.loss.at(-1), 2 - 0.01 * (n - 1));
  assert.equal(snap.lastMetrics.step, n - 1);
  assert.equal(snap.history.steps, n);
  assert.equal(snap.history.firstStep, 0);
  assert.ok(snap.history.buckets <= 512 && snap.history.bucketWidth > 1, JSON.stringify(snap.history));
  const rows = curvesCsv(store.state).trim().split("\n").slice(1).map((r) => r.split(","));
  assert.ok(rows.length < 3 * 512 + 2560 + 1, `CSV rows bounded: ${rows.length}`);
  assert.deepEqual(rows[0].slice(0, 2), ["train_mean", "0"], "the CSV starts at the run's first step");
  assert.equal(rows.at(-1)[1], String(n - 1), "and ends at its last");
  const covered = rows.filter((r) => r[0] === "train_mean" || r[0] === "train").reduce((a, r) => a + Number(r[6]), 0);
  assert.equal(covered, n, "every step is in exactly one row's count");
  const grads = store.state.stats.get("0.weight");
  assert.equal(grads.length, n / 10);
  assert.ok(grads.points("grad").length <= 256 + 640, "gradient-flow series bounded too");
});

test("paced updates change the state at once; their subscribers hear at most once an interval, the latest", async () => {
  const store = new Store(updates, initialState(defaults()), { paced: { metrics: 40 } });
  store.update("started", { info: INFO, config: defaults(), pretrained: false });
  const heard = [];
  store.subscribe((s, name, payload) => heard.push([name, s.step, payload.records.length]), ["metrics"]);
  const others = [];
  store.subscribe((s, name) => others.push(name), ["training"]);
  // The first is heard at once, the next two within the interval as one, with the last payload.
  store.update("metrics", { records: records(0, 1), samplesPerSec: 1 });
  store.update("metrics", { records: records(1, 2), samplesPerSec: 1 });
  store.update("metrics", { records: records(3, 3), samplesPerSec: 1 });
  assert.equal(store.state.step, 6);
  assert.deepEqual(heard, [["metrics", 1, 1]]);
  // Other updates are not held back.
  store.update("training", true);
  assert.deepEqual(others, ["training"]);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(heard, [["metrics", 1, 1], ["metrics", 6, 3]]);
  // After a quiet spell the next one is heard at once again.
  await new Promise((r) => setTimeout(r, 60));
  store.update("metrics", { records: records(6, 1), samplesPerSec: 1 });
  assert.deepEqual(heard.at(-1), ["metrics", 7, 1]);
});
