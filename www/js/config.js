// The page's training configuration, its defaults, its validation, and its round trip through
// the URL hash (`#model=mlp&backend=auto&opt=adam&lr=0.001&batch=64&l2=0&shift=0&rotate=0&val=0.1`;
// a custom architecture travels as `model=custom&spec=<JSON>`).

export const DEFAULTS = Object.freeze({
  model: "mlp",
  backend: "auto",
  optimizer: { kind: "adam", lr: 1e-3, weight_decay: 0 },
  batch: 64,
  augment: { shift: 0, rotate: 0 },
  validation: 0.1,
  seed: 1,
});

export const BACKENDS = ["auto", "gpu", "cpu"];
export const OPTIMIZERS = ["adam", "sgd", "momentum"];
export const BATCHES = [16, 32, 64, 128, 256];
export const LR_MIN = 1e-5;
export const LR_MAX = 1;

export function clone(cfg) {
  return JSON.parse(JSON.stringify(cfg));
}

export function defaults() {
  return clone(DEFAULTS);
}

/** Throw a readable error unless `cfg` is a usable configuration. */
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
  if (!(Number.isInteger(cfg.batch) && cfg.batch >= 1 && cfg.batch <= 1024)) throw new Error("batch must be 1..1024");
  const a = cfg.augment ?? {};
  if (!(a.shift >= 0 && a.shift <= 8)) throw new Error("shift must be 0..8 px");
  if (!(a.rotate >= 0 && a.rotate <= 45)) throw new Error("rotation must be 0..45 degrees");
  if (!(cfg.validation >= 0 && cfg.validation < 0.9)) throw new Error("validation split must be in [0, 0.9)");
  return cfg;
}

/** Merge user options (the shape `playground.configure` takes) into a full configuration. */
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
  if (extra.pretrained) p.set("init", "pretrained");
  return "#" + p.toString();
}

const KEYS = new Set(["model", "spec", "backend", "opt", "lr", "batch", "l2", "shift", "rotate", "val", "seed", "init"]);

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
  if (!text) return { config: defaults(), fromHash: false, modelFromHash: false, pretrained: false, error: null };
  try {
    const p = new URLSearchParams(text);
    for (const key of p.keys()) {
      if (!KEYS.has(key)) throw new Error(`unknown setting '${key}'`);
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
    if (p.has("init") && !["pretrained", "fresh"].includes(p.get("init"))) throw new Error("init must be pretrained or fresh");
    return {
      config: merge(DEFAULTS, opts),
      fromHash: true,
      modelFromHash: p.has("model"),
      pretrained: p.get("init") === "pretrained",
      error: null,
    };
  } catch (e) {
    return {
      config: defaults(),
      fromHash: false,
      modelFromHash: false,
      pretrained: false,
      error: `The settings in the URL could not be read (${e.message}); using the defaults.`,
    };
  }
}

/** Does changing from `a` to `b` need a new session (rather than live setOptimizer/setAugment)? */
export function needsRebuild(a, b) {
  return (
    JSON.stringify(a.model) !== JSON.stringify(b.model) ||
    a.backend !== b.backend ||
    a.batch !== b.batch ||
    a.validation !== b.validation ||
    a.seed !== b.seed ||
    a.optimizer.kind !== b.optimizer.kind
  );
}
