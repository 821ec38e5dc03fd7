// The training settings: their defaults, the one function that validates them, and how a change
// is applied. Pure (no DOM, no wasm), shared by the engine worker, which owns the settings in
// use, and the page, which only parses the URL hash with it (www/js/config.js).
//
// A setting is the shape Rust's `SessionConfig` reads: {model, backend, optimizer: {kind, lr,
// weight_decay, momentum?}, batch, augment: {shift, rotate}, validation, seed}. The options that
// `playground.configure` takes are looser ({lr, l2, shift, optimizer: 'sgd', ...}); `merge`
// turns them into settings. `schedule` ({kind, ...its parameters}, www/js/schedule.js) is the
// learning-rate schedule over `optimizer.lr`, a live setting like the rate.
import { validateSchedule } from "./schedule.js";

/** Early stopping (www/workers/early_stop.js): `null` (off) or `{patience, restore}`. */
export function validateEarlyStop(v) {
  if (v === undefined || v === null || v === false) return null;
  if (typeof v === "number") v = { patience: v };
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new Error(`earlyStop must be null or {patience, restore}, got ${JSON.stringify(v)}`);
  }
  knownKeys(v, ["patience", "restore"], "earlyStop setting");
  const out = { patience: v.patience ?? 5, restore: v.restore ?? true };
  if (!(Number.isInteger(out.patience) && out.patience >= 1 && out.patience <= 1000)) {
    throw new Error(`earlyStop patience ${out.patience} is not a whole number in 1..1000`);
  }
  if (typeof out.restore !== "boolean") throw new Error(`earlyStop restore must be true or false, got ${JSON.stringify(out.restore)}`);
  return out;
}

export const DEFAULTS = Object.freeze({
  model: "mlp",
  backend: "auto",
  optimizer: Object.freeze({ kind: "adam", lr: 1e-3, weight_decay: 0 }),
  batch: 64,
  augment: Object.freeze({ shift: 0, rotate: 0 }),
  validation: 0.1,
  seed: 1,
  schedule: Object.freeze({ kind: "constant" }),
});

export const BACKENDS = ["auto", "gpu", "cpu"];
export const OPTIMIZERS = ["adam", "sgd", "momentum"];
export const WORKERS = [1, 2, "auto"];

export const clone = (x) => JSON.parse(JSON.stringify(x));
export const defaults = () => clone(DEFAULTS);

// Every setting's limits, in one table: the slider, `setLearningRate`, `configure`, the address
// and the engine worker all validate through `validate` below, and the Rust engine checks the
// same numbers with the same words (src/limits.rs; tests/e2e/setting_limits.test.mjs feeds
// boundary values through both). A value refused anywhere changes nothing.
export const LIMITS = Object.freeze({
  lr: Object.freeze({ min: 0, max: 10 }), // (min, max]: a rate of 0 trains nothing
  weight_decay: Object.freeze({ min: 0, max: 1 }), // [min, max]
  momentum: Object.freeze({ min: 0, max: 1 }), // [min, max)
  batch: Object.freeze({ min: 1, max: 1024 }), // whole numbers
  shift: Object.freeze({ min: 0, max: 8 }), // px
  rotate: Object.freeze({ min: 0, max: 45 }), // degrees
  validation: Object.freeze({ min: 0, max: 0.9 }), // [min, max)
  seed: Object.freeze({ min: 0, max: 2 ** 32 - 1 }), // whole numbers
});

// The options `playground.configure` takes (anything else is a typo to refuse, not to ignore),
// and the keys of its `optimizer` and `augment` objects.
export const OPTION_KEYS = Object.freeze([
  "model", "spec", "backend", "optimizer", "lr", "l2", "weightDecay", "batch", "validation",
  "shift", "rotate", "augment", "seed", "workers", "schedule", "earlyStop",
]);
const OPTIMIZER_KEYS = ["kind", "lr", "weight_decay", "momentum"];
const AUGMENT_KEYS = ["shift", "rotate"];

const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const L = LIMITS;

/** Throw a readable error unless `cfg` is usable settings; returns `cfg`. */
export function validate(cfg) {
  const m = cfg.model;
  if (!(m === "mlp" || m === "cnn" || (m && typeof m === "object" && !Array.isArray(m) && Array.isArray(m.layers)))) {
    throw new Error(`model must be 'mlp', 'cnn' or a spec object, got ${JSON.stringify(m)}`);
  }
  if (!BACKENDS.includes(cfg.backend)) throw new Error(`backend must be one of ${BACKENDS.join(", ")}`);
  const o = cfg.optimizer ?? {};
  if (!OPTIMIZERS.includes(o.kind)) throw new Error(`optimizer must be one of ${OPTIMIZERS.join(", ")}`);
  // The engine holds rates as f32: one that rounds to 0 there is 0.
  if (!(isNum(o.lr) && Math.fround(o.lr) > L.lr.min && o.lr <= L.lr.max)) {
    throw new Error(`learning rate ${o.lr} is not in (${L.lr.min}, ${L.lr.max}]`);
  }
  const wd = o.weight_decay === undefined ? 0 : o.weight_decay;
  if (!(isNum(wd) && wd >= L.weight_decay.min && wd <= L.weight_decay.max)) {
    throw new Error(`L2 ${wd} is not in [${L.weight_decay.min}, ${L.weight_decay.max}]`);
  }
  if (o.momentum !== undefined && !(isNum(o.momentum) && o.momentum >= L.momentum.min && o.momentum < L.momentum.max)) {
    throw new Error(`momentum ${o.momentum} is not in [${L.momentum.min}, ${L.momentum.max})`);
  }
  if (!(Number.isInteger(cfg.batch) && cfg.batch >= L.batch.min && cfg.batch <= L.batch.max)) {
    throw new Error(`batch ${cfg.batch} is not a whole number in ${L.batch.min}..${L.batch.max}`);
  }
  const a = cfg.augment ?? {};
  if (!(isNum(a.shift) && a.shift >= L.shift.min && a.shift <= L.shift.max)) {
    throw new Error(`shift ${a.shift} is not in ${L.shift.min}..${L.shift.max} px`);
  }
  if (!(isNum(a.rotate) && a.rotate >= L.rotate.min && a.rotate <= L.rotate.max)) {
    throw new Error(`rotation ${a.rotate} is not in ${L.rotate.min}..${L.rotate.max} degrees`);
  }
  if (!(isNum(cfg.validation) && cfg.validation >= L.validation.min && cfg.validation < L.validation.max)) {
    throw new Error(`validation split ${cfg.validation} is not in [${L.validation.min}, ${L.validation.max})`);
  }
  if (!(Number.isInteger(cfg.seed) && cfg.seed >= L.seed.min && cfg.seed <= L.seed.max)) {
    throw new Error(`seed ${cfg.seed} is not a whole number in ${L.seed.min}..${L.seed.max}`);
  }
  validateSchedule(cfg.schedule);
  validateEarlyStop(cfg.earlyStop);
  return cfg;
}

/** Refuse keys of `obj` outside `known`, naming the known ones (a typo must not pass silently). */
function knownKeys(obj, known, what) {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) throw new Error(`unknown ${what} '${key}'; known: ${known.join(", ")}`);
  }
}

/** A number option: a number or a numeric string (the address and form fields give strings). */
function number(name, v) {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  throw new Error(`${name} must be a number, got ${JSON.stringify(v) ?? String(v)}`);
}

/** How many workers train: 1, 2 or 'auto' (not a session setting: it changes between steps). */
export function validateWorkers(workers) {
  if (!WORKERS.includes(workers)) {
    throw new Error(`workers must be 1, 2 or 'auto', got ${JSON.stringify(workers)}`);
  }
  return workers;
}

/** `base` with the options `playground.configure` takes merged in, validated. */
export function merge(base, opts = {}) {
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) {
    throw new Error(`the options must be an object like {lr: 0.01}, got ${JSON.stringify(opts) ?? String(opts)}`);
  }
  knownKeys(opts, OPTION_KEYS, "option");
  const cfg = clone(base);
  if (opts.model !== undefined) cfg.model = opts.model;
  if (opts.spec !== undefined) cfg.model = opts.spec;
  if (opts.backend !== undefined) cfg.backend = opts.backend;
  if (opts.batch !== undefined) cfg.batch = number("batch", opts.batch);
  if (opts.validation !== undefined) cfg.validation = number("validation", opts.validation);
  if (opts.seed !== undefined) cfg.seed = number("seed", opts.seed);
  if (typeof opts.optimizer === "string") cfg.optimizer.kind = opts.optimizer;
  else if (opts.optimizer && typeof opts.optimizer === "object" && !Array.isArray(opts.optimizer)) {
    knownKeys(opts.optimizer, OPTIMIZER_KEYS, "optimizer setting");
    Object.assign(cfg.optimizer, opts.optimizer);
  } else if (opts.optimizer !== undefined) {
    throw new Error(`optimizer must be one of ${OPTIMIZERS.join(", ")} or an object, got ${JSON.stringify(opts.optimizer)}`);
  }
  if (opts.lr !== undefined) cfg.optimizer.lr = number("learning rate", opts.lr);
  if (opts.l2 !== undefined) cfg.optimizer.weight_decay = number("L2", opts.l2);
  if (opts.weightDecay !== undefined) cfg.optimizer.weight_decay = number("L2", opts.weightDecay);
  if (opts.augment !== undefined) {
    if (!opts.augment || typeof opts.augment !== "object" || Array.isArray(opts.augment)) {
      throw new Error(`augment must be an object like {shift: 2, rotate: 10}, got ${JSON.stringify(opts.augment)}`);
    }
    knownKeys(opts.augment, AUGMENT_KEYS, "augment setting");
    Object.assign(cfg.augment, opts.augment);
  }
  if (opts.shift !== undefined) cfg.augment.shift = number("shift", opts.shift);
  if (opts.rotate !== undefined) cfg.augment.rotate = number("rotation", opts.rotate);
  // Settings from before schedules have none: constant.
  cfg.schedule = validateSchedule(opts.schedule !== undefined ? opts.schedule : cfg.schedule);
  cfg.earlyStop = validateEarlyStop(opts.earlyStop !== undefined ? opts.earlyStop : cfg.earlyStop);
  return validate(cfg);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Does going from `a` to `b` need a new session (rather than a live change)? */
export function needsRebuild(a, b) {
  return (
    !same(a.model, b.model) ||
    a.backend !== b.backend ||
    a.batch !== b.batch ||
    a.validation !== b.validation ||
    a.seed !== b.seed ||
    a.optimizer.kind !== b.optimizer.kind
  );
}

/**
 * What applying `opts` to the settings `current` takes: `{next, rebuild, optimizer, augment,
 * schedule}` (`schedule`: the new schedule, a live change, or null).
 * `optimizer` is the live optimizer change (`{lr, weight_decay, momentum?}`) or null, `augment`
 * the new augmentation or null; both are null when the session is rebuilt anyway. `force`: rebuild
 * even if nothing structural changed (Reset). Throws, changing nothing, for invalid options.
 */
export function planChange(current, opts = {}, { force = false } = {}) {
  const next = merge(current, opts);
  const rebuild = force || needsRebuild(current, next);
  if (rebuild) return { next, rebuild, optimizer: null, augment: null, schedule: null };
  const o = next.optimizer, p = current.optimizer;
  const optimizerChanged = o.lr !== p.lr || o.weight_decay !== p.weight_decay || o.momentum !== p.momentum;
  const optimizer = optimizerChanged
    ? { lr: o.lr, weight_decay: o.weight_decay ?? 0, ...(o.momentum !== undefined ? { momentum: o.momentum } : {}) }
    : null;
  const augment = same(next.augment, current.augment) ? null : { ...next.augment };
  const schedule = same(next.schedule, current.schedule ?? { kind: "constant" }) ? null : { ...next.schedule };
  return { next, rebuild, optimizer, augment, schedule };
}

/** A short label of what a rebuild with the same weights changed (the loss chart's mark). */
export function describeChange(prev, next) {
  const what = [];
  if (prev.backend !== next.backend) what.push(next.backend);
  if (prev.batch !== next.batch) what.push(`batch ${next.batch}`);
  if (prev.optimizer.kind !== next.optimizer.kind) what.push(next.optimizer.kind);
  if (prev.validation !== next.validation) what.push(`val ${next.validation}`);
  return what.join(", ");
}
