// www/js/schedule.js: the page's schedules (defaults, limits, formulas) mirror src/schedule.rs;
// settings.js and config.js carry them through configure and the address.
import test from "node:test";
import assert from "node:assert/strict";
import { scheduleFactor, validateSchedule, describeSchedule } from "../../www/js/schedule.js";
import { DEFAULTS, merge, planChange, defaults } from "../../www/js/settings.js";
import { fromHash, toHash } from "../../www/js/config.js";

const close = (a, b) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

test("each kind's factor follows its formula", () => {
  const step = validateSchedule({ kind: "step", every: 100, gamma: 0.1 });
  assert.ok(close(scheduleFactor(step, 99), 1) && close(scheduleFactor(step, 250), 0.01));
  const cos = validateSchedule({ kind: "cosine", steps: 1000, floor: 0.1 });
  assert.ok(close(scheduleFactor(cos, 0), 1) && close(scheduleFactor(cos, 500), 0.55) && close(scheduleFactor(cos, 4000), 0.1));
  const warm = validateSchedule({ kind: "warmup_cosine", warmup: 50, steps: 550 });
  assert.ok(close(scheduleFactor(warm, 0), 1 / 50) && close(scheduleFactor(warm, 49), 1) && close(scheduleFactor(warm, 300), 0.5));
  const one = validateSchedule({ kind: "onecycle", steps: 1000 });
  assert.ok(close(scheduleFactor(one, 0), 1 / 25) && close(scheduleFactor(one, 299), 1) && close(scheduleFactor(one, 999), 1 / 25 / 1e4));
  assert.equal(scheduleFactor(validateSchedule({ kind: "constant" }), 12345), 1);
});

test("defaults fill in, and bad schedules are refused with the engine's words", () => {
  assert.deepEqual(validateSchedule({ kind: "step", every: 10 }), { kind: "step", every: 10, gamma: 0.5 });
  assert.deepEqual(validateSchedule("cosine"), { kind: "cosine", steps: 2000, floor: 0 });
  const bad = [
    [{ kind: "exp" }, /kind must be one of/],
    [{ kind: "cosine", steps: 10, flor: 0 }, /unknown cosine parameter 'flor'; known: steps, floor/],
    [{ kind: "step", every: 0 }, /every 0 is not in 1..1000000000/],
    [{ kind: "step", every: 5, gamma: 2 }, /gamma 2 is not in \(0, 1\]/],
    [{ kind: "warmup_cosine", warmup: 10, steps: 10 }, /warmup 10 is not in 1..9/],
    [{ kind: "onecycle", steps: 3 }, /leaves a phase without steps/],
    [[1], /schedule must be an object/],
  ];
  for (const [s, re] of bad) assert.throws(() => validateSchedule(s), re, JSON.stringify(s));
  assert.equal(describeSchedule(validateSchedule("onecycle")), "one-cycle over 2000 steps");
});

test("configure takes a schedule as a live change, and the address keeps it", () => {
  const cur = defaults();
  const plan = planChange(cur, { schedule: { kind: "cosine", steps: 500 } });
  assert.equal(plan.rebuild, false);
  assert.deepEqual(plan.schedule, { kind: "cosine", steps: 500, floor: 0 });
  assert.equal(planChange(plan.next, { lr: 0.01 }).schedule, null, "a rate change leaves the schedule");
  assert.throws(() => merge(DEFAULTS, { schedule: { kind: "cosine", steps: -1 } }), /steps -1/);
  const hash = toHash(plan.next);
  assert.match(hash, /schedule=/);
  assert.deepEqual(fromHash(hash).config.schedule, plan.next.schedule);
  assert.doesNotMatch(toHash(cur), /schedule/, "constant stays out of the address");
  assert.match(fromHash("#schedule=%7Bbad").error, /schedule is not valid JSON/);
});
