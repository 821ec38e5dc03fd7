// The training settings (www/js/settings.js) and their URL hash (www/js/config.js), in Node: one
// validation for every entry point, how a change is applied (live or a new session), the hash
// round trip and a malformed hash falling back to the defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, LIMITS, OPTION_KEYS, defaults, merge, validate, validateWorkers, planChange, describeChange } from "../../www/js/settings.js";
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
    [{ lr: "abc" }, /learning rate must be a number, got "abc"/],
    [{ l2: -1 }, /L2 -1 is not in \[0, 1\]/],
    [{ batch: 0 }, /batch 0 is not a whole number in 1..1024/],
    [{ backend: "tpu" }, /backend must be one of auto, gpu, cpu/],
    [{ model: "rnn" }, /model must be 'mlp', 'cnn' or a spec/],
    [{ validation: 0.95 }, /validation split/],
    [{ rotate: 90 }, /rotation 90 is not in 0..45 degrees/],
  ]) {
    assert.throws(() => merge(DEFAULTS, opts), re, JSON.stringify(opts));
  }
  assert.equal(validate(defaults()).batch, 64);
});

test("each limit is enforced at its edges, the same whichever option carries the value", () => {
  // [option(s) that set it, a value just inside, one just outside] per limit of LIMITS.
  const cases = [
    [[(v) => ({ lr: v }), (v) => ({ optimizer: { lr: v } })], [LIMITS.lr.max, 1e-30], [LIMITS.lr.max + 0.01, 0, 1e-50, -1], /learning rate /],
    [[(v) => ({ l2: v }), (v) => ({ weightDecay: v }), (v) => ({ optimizer: { weight_decay: v } })], [0, LIMITS.weight_decay.max], [-1e-9, LIMITS.weight_decay.max + 0.01], /L2 /],
    [[(v) => ({ optimizer: { kind: "momentum", momentum: v } })], [0, 0.999], [1, -0.1], /momentum /],
    [[(v) => ({ batch: v })], [1, LIMITS.batch.max], [0, LIMITS.batch.max + 1, 2.5], /batch /],
    [[(v) => ({ shift: v }), (v) => ({ augment: { shift: v } })], [0, LIMITS.shift.max], [-1, LIMITS.shift.max + 0.5], /shift /],
    [[(v) => ({ rotate: v }), (v) => ({ augment: { rotate: v } })], [0, LIMITS.rotate.max], [-1, LIMITS.rotate.max + 1], /rotation /],
    [[(v) => ({ validation: v })], [0, 0.89], [LIMITS.validation.max, -0.1], /validation /],
    [[(v) => ({ seed: v })], [0, LIMITS.seed.max], [-1, LIMITS.seed.max + 1, 1.5], /seed /],
  ];
  for (const [doors, inside, outside, name] of cases) {
    for (const door of doors) {
      for (const v of inside) assert.doesNotThrow(() => merge(DEFAULTS, door(v)), JSON.stringify(door(v)));
      for (const v of [...outside, NaN, Infinity, "x", null, true, [1]]) {
        assert.throws(() => merge(DEFAULTS, door(v)), name, JSON.stringify(door(v)));
      }
    }
  }
});

test("configure's options: unknown keys are refused with the known ones; non-objects are refused", () => {
  assert.throws(() => merge(DEFAULTS, { dataset: "fashion" }), new RegExp(`unknown option 'dataset'; known: ${OPTION_KEYS.join(", ")}`));
  assert.throws(() => merge(DEFAULTS, { lR: 0.1 }), /unknown option 'lR'/);
  assert.throws(() => merge(DEFAULTS, { optimizer: { kind: "adam", beta: 0.5 } }), /unknown optimizer setting 'beta'; known: kind, lr, weight_decay, momentum/);
  assert.throws(() => merge(DEFAULTS, { augment: { flip: true } }), /unknown augment setting 'flip'; known: shift, rotate/);
  for (const bad of [null, 5, "lr=1", [1]]) assert.throws(() => merge(DEFAULTS, bad), /the options must be an object/, String(bad));
  assert.throws(() => merge(DEFAULTS, { optimizer: 7 }), /optimizer must be one of adam, sgd, momentum or an object/);
  assert.throws(() => merge(DEFAULTS, { model: ["mlp"] }), /model must be/);
  assert.equal(merge(DEFAULTS, { workers: 2 }).batch, DEFAULTS.batch, "workers is known (the engine applies it)");
});

test("every door gives the same message for the same bad value: configure, setLearningRate, the address", () => {
  // The slider and setLearningRate send {lr} through configure; the address goes through merge.
  for (const lr of [1e9, 50, 0, -1]) {
    const direct = (() => { try { merge(DEFAULTS, { lr }); } catch (e) { return e.message; } })();
    assert.match(direct, /^learning rate .* is not in \(0, 10\]$/);
    assert.equal(fromHash(`#lr=${lr}`).error, `The settings in the URL could not be read (${direct}); using the defaults.`);
    assert.throws(() => merge(DEFAULTS, { optimizer: { lr } }), { message: direct });
  }
  assert.match(fromHash("#lR=0.1").error, /unknown setting 'lR'; known: model, spec, backend, opt, lr,/);
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
