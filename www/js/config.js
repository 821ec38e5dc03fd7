// The settings' round trip through the URL hash
// (`#model=mlp&backend=auto&opt=adam&lr=0.001&batch=64&l2=0&shift=0&rotate=0&val=0.1`; a custom
// architecture travels as `model=custom&spec=<JSON>`). Only parsing: the defaults and the one
// validation are www/js/settings.js's, and the engine worker owns the settings in use.
import { DEFAULTS, defaults, merge } from "./settings.js";
import { parseRaceSetup } from "./race.js";

/** `extra.pretrained`: the weights came from the shipped pretrained model (kept on reload). */
export function toHash(cfg, extra = {}) {
  const p = new URLSearchParams();
  if (typeof cfg.model === "string") p.set("model", cfg.model);
  else {
    p.set("model", "custom");
    p.set("spec", JSON.stringify(cfg.model));
  }
  p.set("backend", cfg.backend);
  p.set("opt", cfg.optimizer.kind);
  p.set("lr", String(+cfg.optimizer.lr.toPrecision(4)));
  p.set("batch", String(cfg.batch));
  p.set("l2", String(cfg.optimizer.weight_decay ?? 0));
  p.set("shift", String(cfg.augment.shift));
  p.set("rotate", String(cfg.augment.rotate));
  p.set("val", String(cfg.validation));
  if (extra.dataset && extra.dataset !== "mnist") p.set("data", extra.dataset);
  // The schedule only when there is one: `schedule=<JSON>` (www/js/schedule.js).
  if (cfg.schedule && cfg.schedule.kind !== "constant") p.set("schedule", JSON.stringify(cfg.schedule));
  // Early stopping as `earlystop=<patience>`, `:last` when the best weights are not restored.
  if (cfg.earlyStop) p.set("earlystop", `${cfg.earlyStop.patience}${cfg.earlyStop.restore ? "" : ":last"}`);
  if (extra.pretrained) p.set("init", "pretrained");
  // A race's setup (www/js/race.js): `race={"preset":"optimizers","steps":300,"target":0.9}`.
  if (extra.race) p.set("race", JSON.stringify(extra.race));
  return "#" + p.toString();
}

const KEYS = new Set(["model", "spec", "backend", "opt", "lr", "batch", "l2", "shift", "rotate", "val", "seed", "init", "schedule", "earlystop", "race", "data"]);
// The datasets (www/workers/data.js); `data=` in the address, MNIST when absent.
export const DATASETS = ["mnist", "fashion"];

function num(p, key) {
  const raw = p.get(key);
  const v = Number(raw);
  if (raw === "" || !Number.isFinite(v)) throw new Error(`'${key}=${raw}' is not a number`);
  return v;
}

/**
 * Parse a location hash. Returns `{config, fromHash, modelFromHash, error}`: an empty hash gives
 * the defaults; a malformed one gives the defaults and a message saying what was wrong.
 */
export function fromHash(hash) {
  const text = (hash ?? "").replace(/^#/, "");
  if (!text) return { config: defaults(), dataset: "mnist", fromHash: false, modelFromHash: false, pretrained: false, error: null };
  try {
    const p = new URLSearchParams(text);
    for (const key of p.keys()) {
      if (!KEYS.has(key)) throw new Error(`unknown setting '${key}'; known: ${[...KEYS].join(", ")}`);
    }
    const opts = {};
    if (p.has("model")) {
      const m = p.get("model");
      if (m === "custom") {
        if (!p.has("spec")) throw new Error("model=custom needs a spec");
        try {
          opts.model = JSON.parse(p.get("spec"));
        } catch {
          throw new Error("the spec is not valid JSON");
        }
      } else opts.model = m;
    }
    if (p.has("backend")) opts.backend = p.get("backend");
    if (p.has("opt")) opts.optimizer = p.get("opt");
    if (p.has("lr")) opts.lr = num(p, "lr");
    if (p.has("batch")) opts.batch = num(p, "batch");
    if (p.has("l2")) opts.l2 = num(p, "l2");
    if (p.has("shift")) opts.shift = num(p, "shift");
    if (p.has("rotate")) opts.rotate = num(p, "rotate");
    if (p.has("val")) opts.validation = num(p, "val");
    if (p.has("seed")) opts.seed = num(p, "seed");
    if (p.has("earlystop")) {
      const m = /^(\d+)(:last)?$/.exec(p.get("earlystop"));
      if (!m) throw new Error(`'earlystop=${p.get("earlystop")}' is not a patience like 5 or 5:last`);
      opts.earlyStop = { patience: Number(m[1]), restore: !m[2] };
    }
    if (p.has("schedule")) {
      try {
        opts.schedule = JSON.parse(p.get("schedule"));
      } catch {
        throw new Error("the schedule is not valid JSON");
      }
    }
    if (p.has("init") && !["pretrained", "fresh"].includes(p.get("init"))) throw new Error("init must be pretrained or fresh");
    const dataset = p.get("data") ?? "mnist";
    if (!DATASETS.includes(dataset)) throw new Error(`data must be ${DATASETS.join(" or ")}`);
    let race = null;
    if (p.has("race")) {
      try {
        race = parseRaceSetup(p.get("race"));
      } catch (e) {
        throw new Error(`the race could not be read: ${e.message}`);
      }
    }
    return {
      config: merge(DEFAULTS, opts),
      race,
      dataset,
      fromHash: true,
      modelFromHash: p.has("model"),
      pretrained: p.get("init") === "pretrained",
      error: null,
    };
  } catch (e) {
    return {
      config: defaults(),
      dataset: "mnist",
      fromHash: false,
      modelFromHash: false,
      pretrained: false,
      error: `The settings in the URL could not be read (${e.message}); using the defaults.`,
    };
  }
}
