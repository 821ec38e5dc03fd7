// The plane page's settings (www/plane/state.js): one validation, configure's options merged,
// and every setting round-tripping through the address.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, DATASETS, defaults, engineConfig, fromHash, merge, needsRebuild, toHash, validate } from "../../www/plane/state.js";

test("every setting round-trips through the address", () => {
  const s = merge(defaults(), {
    dataset: "spiral3", noise: 0.35, ratio: 0.7, seed: 4242, features: ["x1", "sin(x2)", "x1*x2"],
    layers: [8, 3, 1, 6], activation: "relu", lr: 0.003, batch: 25, l1: 0.001, l2: 0.03, optimizer: "adam",
  });
  const hash = toHash(s);
  for (const k of Object.keys(DEFAULTS)) assert.match(hash, new RegExp(`[#&]${k.replace("^", "\\^")}=`), k);
  assert.deepEqual(fromHash(hash), s);
  assert.deepEqual(fromHash(toHash(defaults())), defaults());
  assert.deepEqual(fromHash(""), defaults());
  assert.deepEqual(fromHash("#layers="), { ...defaults(), layers: [] }, "no hidden layer is a valid network");
  assert.deepEqual(fromHash("#dataset=xor"), { ...defaults(), dataset: "xor" }, "missing keys take the defaults");
});

test("a malformed address is refused with what is wrong", () => {
  for (const [hash, re] of [
    ["#dataset=moons", /dataset must be one of/],
    ["#layers=9", /width 9 is not in \[1, 8\]/],
    ["#layers=1,2,3,4,5,6,7", /0 to 6 widths/],
    ["#features=x3", /unknown feature "x3"/],
    ["#features=", /at least one/],
    ["#lr=0", /learning rate 0 is not in \(0, 10\]/],
    ["#lr=", /learning rate must be a number/],
    ["#batch=2.5", /batch 2.5 is not a whole number/],
    ["#noise=0.9", /noise 0.9/],
    ["#l1=-1", /L1 -1/],
    ["#colour=red", /unknown setting 'colour'/],
  ]) {
    assert.throws(() => fromHash(hash), re, hash);
  }
});

test("configure's options: unknown keys and mismatched problems are refused", () => {
  assert.throws(() => merge(defaults(), { lR: 0.1 }), /unknown setting 'lR' \(known: .*lr/);
  assert.throws(() => merge(defaults(), { dataset: "plane", problem: "classification" }), /regression problem/);
  assert.equal(merge(defaults(), { problem: "regression" }).dataset, "plane", "the problem alone picks its first dataset");
  assert.equal(merge(defaults(), { problem: "classification" }).dataset, "circle", "the same problem keeps the dataset");
  assert.throws(() => merge(defaults(), [1]), /object/);
  assert.deepEqual(DEFAULTS.layers, [4, 2], "the defaults are untouched");
  assert.equal(validate(defaults()).lr, 0.03);
});

test("what rebuilds and what applies live", () => {
  const s = defaults();
  for (const change of [{ dataset: "xor" }, { noise: 0.1 }, { seed: 2 }, { layers: [4] }, { features: ["x1"] }, { activation: "relu" }, { batch: 5 }, { ratio: 0.6 }]) {
    assert.equal(needsRebuild(s, merge(s, change)), true, JSON.stringify(change));
  }
  for (const change of [{ lr: 0.1 }, { l1: 0.01 }, { l2: 0.01 }, { optimizer: "adam" }]) {
    assert.equal(needsRebuild(s, merge(s, change)), false, JSON.stringify(change));
  }
});

test("the engine's config names the kind, classes and optimizer", () => {
  const c = engineConfig(merge(defaults(), { dataset: "spiral4", l1: 0.01, l2: 0.1, optimizer: "momentum" }));
  assert.equal(c.dataset, "spiral");
  assert.equal(c.classes, 4);
  assert.equal(c.points, 1000);
  assert.deepEqual(c.optimizer, { kind: "momentum", lr: 0.03, l1: 0.01, weight_decay: 0.1 });
  assert.equal(engineConfig(merge(defaults(), { dataset: "multigauss" })).classes, 2, "ignored by a regression");
  assert.equal(Object.keys(DATASETS).length, 8);
});

test("the backend is a setting: cpu by default, gpu by address or configure, a rebuild to change", () => {
  assert.equal(defaults().backend, "cpu");
  assert.equal(engineConfig(defaults()).backend, "cpu");
  const gpu = fromHash("#dataset=xor&backend=gpu");
  assert.equal(gpu.backend, "gpu");
  assert.equal(engineConfig(gpu).backend, "gpu");
  assert.match(toHash(gpu), /[#&]backend=gpu(&|$)/);
  assert.equal(needsRebuild(defaults(), merge(defaults(), { backend: "gpu" })), true);
  assert.throws(() => merge(defaults(), { backend: "tpu" }), /backend must be one of cpu, gpu/);
  assert.throws(() => fromHash("#backend=webgl"), /backend must be one of cpu, gpu/);
});
