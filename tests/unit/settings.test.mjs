// The training settings (www/js/settings.js) and their URL hash (www/js/config.js), in Node: one
// validation for every entry point, how a change is applied (live or a new session), the hash
// round trip and a malformed hash falling back to the defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, defaults, merge, validate, validateWorkers, planChange, describeChange } from "../../www/js/settings.js";
import { toHash, fromHash } from "../../www/js/config.js";

test("merge takes playground.configure's options and validates the result", () => {
  const c = merge(DEFAULTS, { model: "cnn", lr: 0.003, l2: 1e-4, optimizer: "momentum", shift: 2, batch: "128" });
  assert.equal(c.model, "cnn");
  assert.deepEqual(c.optimizer, { kind: "momentum", lr: 0.003, weight_decay: 1e-4 });
  assert.equal(c.batch, 128);
  assert.deepEqual(c.augment, { shift: 2, rotate: 0 });
  assert.deepEqual(DEFAULTS.optimizer, { kind: "adam", lr: 1e-3, weight_decay: 0 }, "the defaults are untouched");
  for (const [opts, re] of [
    [{ lr: 0 }, /learning rate 0 is not in \(0, 10\]/],
    [{ lr: "abc" }, /learning rate NaN/],
    [{ l2: -1 }, /L2 must be >= 0/],
    [{ batch: 0 }, /batch must be 1..1024/],
    [{ backend: "tpu" }, /backend must be one of auto, gpu, cpu/],
    [{ model: "rnn" }, /model must be 'mlp', 'cnn' or a spec/],
    [{ validation: 0.95 }, /validation split/],
    [{ rotate: 90 }, /rotation must be 0..45/],
  ]) {
    assert.throws(() => merge(DEFAULTS, opts), re, JSON.stringify(opts));
  }
  assert.equal(validate(defaults()).batch, 64);
});

test("workers are 1, 2 or 'auto'", () => {
  for (const w of [1, 2, "auto"]) assert.equal(validateWorkers(w), w);
  assert.throws(() => validateWorkers(3), /workers must be 1, 2 or 'auto', got 3/);
});

test("planChange: live knobs change the running session, the rest rebuilds it", () => {
  const cur = defaults();
  const lr = planChange(cur, { lr: 0.01 });
  assert.equal(lr.rebuild, false);
  assert.deepEqual(lr.optimizer, { lr: 0.01, weight_decay: 0 });
  assert.equal(lr.augment, null);
  const aug = planChange(cur, { rotate: 10 });
  assert.equal(aug.optimizer, null);
  assert.deepEqual(aug.augment, { shift: 0, rotate: 10 });
  const none = planChange(cur, {});
  assert.deepEqual([none.rebuild, none.optimizer, none.augment], [false, null, null]);
  for (const opts of [{ model: "cnn" }, { backend: "cpu" }, { batch: 32 }, { optimizer: "sgd" }, { validation: 0 }, { seed: 2 }]) {
    const p = planChange(cur, opts);
    assert.equal(p.rebuild, true, JSON.stringify(opts));
    assert.equal(p.optimizer, null);
  }
  assert.equal(planChange(cur, {}, { force: true }).rebuild, true, "Reset rebuilds");
  assert.throws(() => planChange(cur, { lr: -1 }), /learning rate/);
  assert.deepEqual(cur, defaults(), "planning changes nothing");
});

test("describeChange names what a rebuild with the same weights changed", () => {
  const next = merge(DEFAULTS, { backend: "cpu", batch: 32, optimizer: "sgd" });
  assert.equal(describeChange(defaults(), next), "cpu, batch 32, sgd");
  assert.equal(describeChange(defaults(), defaults()), "");
});

test("the hash round-trips the settings; a malformed one gives the defaults and says why", () => {
  const cfg = merge(DEFAULTS, { model: { input: [784], layers: [{ type: "dense", units: 10 }] }, lr: 0.003, rotate: 5 });
  const hash = toHash(cfg, { pretrained: true });
  assert.match(hash, /^#model=custom&spec=/);
  assert.match(hash, /init=pretrained/);
  const back = fromHash(hash);
  assert.equal(back.error, null);
  assert.deepEqual(back.config, cfg);
  assert.equal(back.pretrained, true);
  assert.equal(back.modelFromHash, true);
  assert.deepEqual(fromHash("").config, defaults());
  for (const bad of ["#lr=abc", "#colour=red", "#model=custom", "#lr=50", "#init=maybe"]) {
    const p = fromHash(bad);
    assert.match(p.error, /could not be read .*using the defaults/, bad);
    assert.deepEqual(p.config, defaults());
  }
});
