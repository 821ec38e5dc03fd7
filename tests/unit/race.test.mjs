// www/js/race.js: presets, the setup's address form, and the store updates of a race.
import test from "node:test";
import assert from "node:assert/strict";
import { PRESETS, parseRaceSetup, raceUpdates, setupConfigs } from "../../www/js/race.js";
import { DEFAULTS, merge } from "../../www/js/settings.js";
import { fromHash, toHash } from "../../www/js/config.js";

test("every preset's runs are valid settings", () => {
  for (const [name, p] of Object.entries(PRESETS)) {
    assert.ok(p.configs.length >= 2 && p.configs.length <= 4, name);
    for (const { name: _n, ...opts } of p.configs) assert.doesNotThrow(() => merge(DEFAULTS, opts), `${name}: ${JSON.stringify(opts)}`);
  }
});

test("the setup travels in the address; a bad one is refused", () => {
  const setup = { preset: "optimizers", steps: 200, target: 0.95 };
  const hash = toHash(merge(DEFAULTS, {}), { race: setup });
  assert.deepEqual(fromHash(hash).race, setup);
  assert.equal(setupConfigs(setup), PRESETS.optimizers.configs);
  assert.throws(() => parseRaceSetup('{"preset":"fastest"}'), /preset must be one of/);
  assert.throws(() => parseRaceSetup('{"preset":"rates","steps":0}'), /steps 0/);
  assert.match(fromHash('#race={"configs":5}').error, /race needs a preset or configs/);
});

test("progress fills each run's curves; done keeps the rows", () => {
  const s = {};
  raceUpdates.raceStarted(s, { names: ["a", "b"], target: 0.9 });
  raceUpdates.raceProgress(s, { names: ["a", "b"], update: [{ run: 0, loss: [[0, 2.3], [1, 2.1]], val: null }, { run: 1, loss: [[0, 2.3]], val: [1, 2.0, 0.3] }] });
  assert.deepEqual(s.race.runs[0].loss, [[0, 2.3], [1, 2.1]]);
  assert.deepEqual(s.race.runs[1].val, [[1, 2.0, 0.3]]);
  raceUpdates.raceDone(s, { rows: [{ name: "a" }] });
  assert.equal(s.race.running, false);
  assert.deepEqual(s.race.rows, [{ name: "a" }]);
});
