// The training settings: their defaults, the one function that validates them, and how a change
// is applied. Pure (no DOM, no wasm), shared by the engine worker, which owns the settings in
// use, and the page, which only parses the URL hash with it (www/js/config.js).
//
// A setting is the shape Rust's `SessionConfig` reads: {model, backend, optimizer: {kind, lr,
// weight_decay, momentum?}, batch, augment: {shift, rotate}, validation, seed}. The options that
// `playground.configure` takes are looser ({lr, l2, shift, optimizer: 'sgd', ...}); `merge`
// turns them into settings.

export const DEFAULTS = Object.freeze({
  model: "mlp",
  backend: "auto",
  optimizer: Object.freeze({ kind: "adam", lr: 1e-3, weight_decay: 0 }),
  batch: 64,
  augment: Object.freeze({ shift: 0, rotate: 0 }),
  validation: 0.1,
  seed: 1,
});

export const BACKENDS = ["auto", "gpu", "cpu"];
export const OPTIMIZERS = ["adam", "sgd", "momentum"];
export const WORKERS = [1, 2, "auto"];

export const clone = (x) => JSON.parse(JSON.stringify(x));
export const defaults = () => clone(DEFAULTS);

/** Throw a readable error unless `cfg` is usable settings; returns `cfg`. */
export function validate(cfg) {
  const m = cfg.model;
  if (!(m === "mlp" || m === "cnn" || (m && typeof m === "object" && Array.isArray(m.layers)))) {
    throw new Error(`model must be 'mlp', 'cnn' or a spec object, got ${JSON.stringify(m)}`);
  }
  if (!BACKENDS.includes(cfg.backend)) throw new Error(`backend must be one of ${BACKENDS.join(", ")}`);
  const o = cfg.optimizer ?? {};
  if (!OPTIMIZERS.includes(o.kind)) throw new Error(`optimizer must be one of ${OPTIMIZERS.join(", ")}`);
  if (!(Number.isFinite(o.lr) && o.lr > 0 && o.lr <= 10)) throw new Error(`learning rate ${o.lr} is not in (0, 10]`);
  if (!(Number.isFinite(o.weight_decay ?? 0) && (o.weight_decay ?? 0) >= 0)) throw new Error("L2 must be >= 0");
  if (o.momentum !== undefined && !(o.momentum >= 0 && o.momentum < 1)) throw new Error("momentum must be in [0, 1)");
  if (!(Number.isInteger(cfg.batch) && cfg.batch >= 1 && cfg.batch <= 1024)) throw new Error("batch must be 1..1024");
  const a = cfg.augment ?? {};
  if (!(a.shift >= 0 && a.shift <= 8)) throw new Error("shift must be 0..8 px");
  if (!(a.rotate >= 0 && a.rotate <= 45)) throw new Error("rotation must be 0..45 degrees");
  if (!(cfg.validation >= 0 && cfg.validation < 0.9)) throw new Error("validation split must be in [0, 0.9)");
  if (!Number.isInteger(cfg.seed)) throw new Error("seed must be an integer");
  return cfg;
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
  const cfg = clone(base);
  if (opts.model !== undefined) cfg.model = opts.model;
  if (opts.spec !== undefined) cfg.model = opts.spec;
  if (opts.backend !== undefined) cfg.backend = opts.backend;
  if (opts.batch !== undefined) cfg.batch = Number(opts.batch);
  if (opts.validation !== undefined) cfg.validation = Number(opts.validation);
  if (opts.seed !== undefined) cfg.seed = Number(opts.seed);
  if (typeof opts.optimizer === "string") cfg.optimizer.kind = opts.optimizer;
  else if (opts.optimizer && typeof opts.optimizer === "object") Object.assign(cfg.optimizer, opts.optimizer);
  if (opts.lr !== undefined) cfg.optimizer.lr = Number(opts.lr);
  if (opts.l2 !== undefined) cfg.optimizer.weight_decay = Number(opts.l2);
  if (opts.weightDecay !== undefined) cfg.optimizer.weight_decay = Number(opts.weightDecay);
  if (opts.augment) Object.assign(cfg.augment, opts.augment);
  if (opts.shift !== undefined) cfg.augment.shift = Number(opts.shift);
  if (opts.rotate !== undefined) cfg.augment.rotate = Number(opts.rotate);
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
 * What applying `opts` to the settings `current` takes: `{next, rebuild, optimizer, augment}`.
 * `optimizer` is the live optimizer change (`{lr, weight_decay, momentum?}`) or null, `augment`
 * the new augmentation or null; both are null when the session is rebuilt anyway. `force`: rebuild
 * even if nothing structural changed (Reset). Throws, changing nothing, for invalid options.
 */
export function planChange(current, opts = {}, { force = false } = {}) {
  const next = merge(current, opts);
  const rebuild = force || needsRebuild(current, next);
  if (rebuild) return { next, rebuild, optimizer: null, augment: null };
  const o = next.optimizer, p = current.optimizer;
  const optimizerChanged = o.lr !== p.lr || o.weight_decay !== p.weight_decay || o.momentum !== p.momentum;
  const optimizer = optimizerChanged
    ? { lr: o.lr, weight_decay: o.weight_decay ?? 0, ...(o.momentum !== undefined ? { momentum: o.momentum } : {}) }
    : null;
  const augment = same(next.augment, current.augment) ? null : { ...next.augment };
  return { next, rebuild, optimizer, augment };
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
