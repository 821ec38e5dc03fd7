// Races on the page: presets for the classic lessons, the race's state (each run's curves and
// the table), its round trip through the address, and the actions (run, adopt). The engine
// worker trains the runs (www/workers/race.js). State updates are pure (tests/unit/race.test.mjs).

const MLP_DROPOUT = {
  input: [784],
  layers: [{ type: "dense", units: 256 }, { type: "relu" }, { type: "dropout", rate: 0.5 }, { type: "dense", units: 10 }],
  loss: "softmax_cross_entropy",
};
const MLP_PLAIN = {
  input: [784],
  layers: [{ type: "dense", units: 256 }, { type: "relu" }, { type: "dense", units: 10 }],
  loss: "softmax_cross_entropy",
};

export const PRESETS = Object.freeze({
  optimizers: {
    label: "SGD vs momentum vs Adam",
    configs: [
      { name: "SGD", optimizer: "sgd", lr: 0.01 },
      { name: "momentum", optimizer: "momentum", lr: 0.01 },
      { name: "Adam", optimizer: "adam", lr: 0.001 },
    ],
  },
  rates: {
    label: "learning rate 1e-1 vs 1e-2 vs 1e-3 (SGD + momentum)",
    configs: [
      { name: "lr 0.1", optimizer: "momentum", lr: 0.1 },
      { name: "lr 0.01", optimizer: "momentum", lr: 0.01 },
      { name: "lr 0.001", optimizer: "momentum", lr: 0.001 },
    ],
  },
  dropout: {
    label: "with and without dropout, on a small training slice (20%)",
    configs: [
      { name: "no dropout", model: MLP_PLAIN, validation: 0.8 },
      { name: "dropout 0.5", model: MLP_DROPOUT, validation: 0.8 },
    ],
  },
});

export const RACE_COLORS = ["#2f7d4f", "#c0392b", "#2c6fbb", "#b35c00"];

/** The race setup from the address (`race={"preset":"optimizers","steps":300,"target":0.9}`). */
export function parseRaceSetup(text) {
  const v = JSON.parse(text);
  if (!v || typeof v !== "object") throw new Error("race must be an object");
  const setup = { steps: v.steps ?? 300, target: v.target ?? 0.9 };
  if (v.preset !== undefined) {
    if (!Object.hasOwn(PRESETS, v.preset)) throw new Error(`race preset must be one of ${Object.keys(PRESETS).join(", ")}`);
    setup.preset = v.preset;
  } else if (Array.isArray(v.configs)) setup.configs = v.configs;
  else throw new Error("race needs a preset or configs");
  if (!(Number.isInteger(setup.steps) && setup.steps >= 1 && setup.steps <= 100000)) throw new Error(`race steps ${setup.steps} is not in 1..100000`);
  if (!(typeof setup.target === "number" && setup.target > 0 && setup.target <= 1)) throw new Error(`race target ${setup.target} is not in (0, 1]`);
  return setup;
}

export const setupConfigs = (setup) => (setup.preset ? PRESETS[setup.preset].configs : setup.configs);

export const raceUpdates = {
  raceSetup(s, setup) {
    s.raceSetup = setup;
  },
  raceStarted(s, { names, target }) {
    s.race = { names, target, running: true, runs: names.map(() => ({ loss: [], val: [] })), rows: null, error: null };
  },
  raceProgress(s, { names, update }) {
    if (!s.race) s.race = { names, running: true, runs: names.map(() => ({ loss: [], val: [] })), rows: null };
    for (const { run, loss, val } of update) {
      const r = s.race.runs[run];
      if (!r) continue;
      r.loss.push(...loss);
      if (val) r.val.push(val);
    }
  },
  raceDone(s, { rows, error }) {
    if (!s.race) return;
    s.race.running = false;
    s.race.rows = rows ?? null;
    s.race.error = error ?? null;
  },
};

/** `race()` of the scripting API: run it, keep the curves and the table in the store. */
export async function runRace(store, app, configs, opts = {}) {
  await app.ready;
  const names = (Array.isArray(configs) ? configs : []).map((c, i) => c?.name ?? `run ${i + 1}`);
  store.update("raceStarted", { names, target: opts.target ?? 0.9 });
  try {
    const rows = await app.call("race", { configs, opts });
    store.update("raceDone", { rows });
    return rows;
  } catch (e) {
    store.update("raceDone", { error: e.message });
    throw e;
  }
}

/** Make race row `index` the main run (its settings and final weights). */
export async function adoptRace(store, app, index) {
  const res = await app.call("raceAdopt", { index });
  store.update("weightsVersion", res.weightsVersion);
  store.update("loaded", res);
  app.message(`The race run “${res.name}” is now the main run (its settings and its final weights).`, "info");
  return app.state();
}
