// Early stopping's decision (www/workers/early_stop.js) over a fake session, and its setting's
// validation and address round trip (settings.js, config.js).
import test from "node:test";
import assert from "node:assert/strict";
import { EarlyStop } from "../../www/workers/early_stop.js";
import { DEFAULTS, merge, validateEarlyStop } from "../../www/js/settings.js";
import { fromHash, toHash } from "../../www/js/config.js";

function fakeSession() {
  const calls = [];
  let step = 0;
  return {
    calls,
    at: (s) => (step = s),
    keepBest: async () => (calls.push(["keep", step]), step),
    restoreBest: async () => (calls.push(["restore"]), 0),
  };
}

test("patience counts checks without a lower loss, then the best weights come back", async () => {
  const es = new EarlyStop();
  es.configure({ patience: 2, restore: true });
  const s = fakeSession();
  const losses = [1.0, 0.8, 0.85, 0.7, 0.75, 0.71, 0.6];
  const verdicts = [];
  for (const [i, loss] of losses.entries()) {
    s.at(100 * (i + 1));
    verdicts.push(await es.observe(s, loss, 100 * (i + 1)));
  }
  // 0.7 at step 400 is the best; 0.75 and 0.71 make two checks without improvement: stop at 600.
  assert.deepEqual(verdicts.slice(0, 5), [null, null, null, null, null]);
  assert.deepEqual(verdicts[5], { step: 600, bestStep: 400, bestLoss: 0.7, patience: 2, restored: true });
  assert.deepEqual(s.calls, [["keep", 100], ["keep", 200], ["keep", 400], ["restore"], ["keep", 700]]);
  assert.equal(verdicts[6], null, "a new watch after stopping");
});

test("off, NaN losses and restore: false", async () => {
  const es = new EarlyStop();
  const s = fakeSession();
  assert.equal(await es.observe(s, 1, 1), null, "off by default");
  es.configure({ patience: 1, restore: false });
  assert.equal(await es.observe(s, NaN, 1), null);
  await es.observe(s, 0.5, 2);
  const v = await es.observe(s, 0.6, 3);
  assert.equal(v.restored, false);
  assert.ok(!s.calls.some(([c]) => c === "restore"));
});

test("the setting is checked and kept in the address", () => {
  assert.equal(validateEarlyStop(null), null);
  assert.deepEqual(validateEarlyStop(3), { patience: 3, restore: true });
  assert.throws(() => validateEarlyStop({ patience: 0 }), /patience 0 is not a whole number in 1..1000/);
  assert.throws(() => validateEarlyStop({ patient: 3 }), /unknown earlyStop setting 'patient'/);
  const cfg = merge(DEFAULTS, { earlyStop: { patience: 4, restore: false } });
  assert.match(toHash(cfg), /earlystop=4%3Alast/);
  assert.deepEqual(fromHash(toHash(cfg)).config.earlyStop, { patience: 4, restore: false });
  assert.doesNotMatch(toHash(merge(DEFAULTS, {})), /earlystop/);
});
