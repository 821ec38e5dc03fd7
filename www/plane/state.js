// The plane page's settings: defaults, the one validation, `configure`'s options merged in, and
// the round trip through the address (`#dataset=spiral3&layers=8,8&...`, every setting in it, as
// TensorFlow Playground does). Pure: no DOM, no wasm; unit-tested in tests/unit/plane_state.test.mjs.
// The Rust engine checks the same settings again (src/points/config.rs) with its own words.

/** Presets: the engine's dataset kind and class count, and the problem they belong to. */
export const DATASETS = Object.freeze({
  circle: { kind: "circle", classes: 2, problem: "classification", label: "circle" },
  xor: { kind: "xor", classes: 2, problem: "classification", label: "exclusive or" },
  gauss: { kind: "gauss", classes: 2, problem: "classification", label: "two gaussians" },
  spiral: { kind: "spiral", classes: 2, problem: "classification", label: "spiral" },
  // Thinner arms need more points to be learnable (tests/plane_learning.rs).
  spiral3: { kind: "spiral", classes: 3, problem: "classification", label: "spiral, 3 classes", points: 1000 },
  spiral4: { kind: "spiral", classes: 4, problem: "classification", label: "spiral, 4 classes", points: 1000 },
  plane: { kind: "plane", classes: 1, problem: "regression", label: "plane" },
  multigauss: { kind: "multigauss", classes: 1, problem: "regression", label: "multi-gaussian" },
});
export const FEATURES = Object.freeze(["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]);
export const ACTIVATIONS = Object.freeze(["relu", "tanh", "sigmoid", "linear"]);
export const OPTIMIZERS = Object.freeze(["sgd", "momentum", "adam"]);
export const PROBLEMS = Object.freeze(["classification", "regression"]);
/** Where the engine trains: the CPU (default: a plane step costs less than one GPU dispatch) or WebGPU. */
export const BACKENDS = Object.freeze(["cpu", "gpu"]);
export const MAX_LAYERS = 6;
export const MAX_NEURONS = 8;

/** TensorFlow Playground's opening screen. */
export const DEFAULTS = Object.freeze({
  dataset: "circle",
  noise: 0,
  ratio: 0.5,
  seed: 1,
  features: Object.freeze(["x1", "x2"]),
  layers: Object.freeze([4, 2]),
  activation: "tanh",
  lr: 0.03,
  batch: 10,
  l1: 0,
  l2: 0,
  optimizer: "sgd",
  backend: "cpu",
});

/** The keys `configure` takes (anything else is refused, naming the known ones). */
export const OPTION_KEYS = Object.freeze([...Object.keys(DEFAULTS), "problem"]);

const clone = (s) => ({ ...s, features: [...s.features], layers: [...s.layers] });
export const defaults = () => clone(DEFAULTS);

const num = (name, v, lo, hi, { whole = false, openLow = false } = {}) => {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${name} must be a number, got ${JSON.stringify(v)}`);
  if (whole && !Number.isInteger(v)) throw new Error(`${name} ${v} is not a whole number`);
  if ((openLow ? v <= lo : v < lo) || v > hi) throw new Error(`${name} ${v} is not in ${openLow ? "(" : "["}${lo}, ${hi}]`);
  return v;
};

/** Throw a readable error unless `s` is usable settings; returns `s`. */
export function validate(s) {
  if (!(s.dataset in DATASETS)) throw new Error(`dataset must be one of ${Object.keys(DATASETS).join(", ")}, got ${JSON.stringify(s.dataset)}`);
  num("noise", s.noise, 0, 0.5);
  num("ratio", s.ratio, 0.1, 0.9);
  num("seed", s.seed, 0, 2 ** 32 - 1, { whole: true });
  if (!Array.isArray(s.features) || s.features.length === 0) throw new Error("features must list at least one of " + FEATURES.join(", "));
  for (const f of s.features) if (!FEATURES.includes(f)) throw new Error(`unknown feature ${JSON.stringify(f)} (known: ${FEATURES.join(", ")})`);
  if (new Set(s.features).size !== s.features.length) throw new Error("a feature is listed twice");
  if (!Array.isArray(s.layers) || s.layers.length > MAX_LAYERS) throw new Error(`layers must list 0 to ${MAX_LAYERS} widths`);
  for (const w of s.layers) num("a layer's width", w, 1, MAX_NEURONS, { whole: true });
  if (!ACTIVATIONS.includes(s.activation)) throw new Error(`activation must be one of ${ACTIVATIONS.join(", ")}`);
  num("learning rate", s.lr, 0, 10, { openLow: true });
  num("batch", s.batch, 1, 256, { whole: true });
  num("L1", s.l1, 0, 1);
  num("L2", s.l2, 0, 1);
  if (!OPTIMIZERS.includes(s.optimizer)) throw new Error(`optimizer must be one of ${OPTIMIZERS.join(", ")}`);
  if (!BACKENDS.includes(s.backend)) throw new Error(`backend must be one of ${BACKENDS.join(", ")}, got ${JSON.stringify(s.backend)}`);
  return s;
}

export const problemOf = (s) => DATASETS[s.dataset].problem;

/**
 * `s` with `configure`'s options merged in and validated. `problem` is a check: it must be the
 * dataset's problem; `{problem: 'regression'}` alone switches to that problem's first dataset.
 */
export function merge(s, opts) {
  if (!opts || typeof opts !== "object" || Array.isArray(opts)) throw new Error("configure takes an object of settings");
  for (const k of Object.keys(opts)) {
    if (!OPTION_KEYS.includes(k)) throw new Error(`unknown setting '${k}' (known: ${OPTION_KEYS.join(", ")})`);
  }
  const { problem, ...rest } = opts;
  const next = clone({ ...s, ...rest });
  if (problem !== undefined) {
    if (!PROBLEMS.includes(problem)) throw new Error(`problem must be one of ${PROBLEMS.join(", ")}`);
    if (problemOf(next) !== problem) {
      if ("dataset" in opts) throw new Error(`dataset ${opts.dataset} is a ${problemOf(next)} problem, not ${problem}`);
      next.dataset = Object.keys(DATASETS).find((d) => DATASETS[d].problem === problem);
    }
  }
  if (opts.features) next.features = [...opts.features];
  if (opts.layers) next.layers = [...opts.layers];
  return validate(next);
}

/** The settings as the engine's `PlaneConfig` (src/points/config.rs). */
export function engineConfig(s) {
  const d = DATASETS[s.dataset];
  return {
    dataset: d.kind,
    classes: Math.max(2, d.classes),
    points: d.points ?? 500,
    noise: s.noise,
    ratio: s.ratio,
    seed: s.seed,
    features: [...s.features],
    layers: [...s.layers],
    activation: s.activation,
    batch: s.batch,
    optimizer: { kind: s.optimizer, lr: s.lr, l1: s.l1, weight_decay: s.l2 },
    backend: s.backend,
  };
}

/** Which changes need new data or a new model (a rebuild), and which apply to the running one. */
export function needsRebuild(a, b) {
  for (const k of ["dataset", "noise", "ratio", "seed", "activation", "batch", "backend"]) if (a[k] !== b[k]) return true;
  return a.features.join() !== b.features.join() || a.layers.join() !== b.layers.join();
}

const LISTS = ["features", "layers"];

/** The address hash for `s` (every setting, defaults included, so a link never changes meaning). */
export function toHash(s) {
  const p = new URLSearchParams();
  for (const k of Object.keys(DEFAULTS)) p.set(k, LISTS.includes(k) ? s[k].join(",") : String(s[k]));
  return "#" + p.toString();
}

/**
 * Settings from an address hash: missing keys take the defaults; a malformed hash throws (the page
 * shows the message and starts from the defaults).
 */
export function fromHash(hash) {
  const text = (hash ?? "").replace(/^#/, "");
  const s = defaults();
  if (!text) return s;
  const p = new URLSearchParams(text);
  for (const [k, v] of p) {
    if (!(k in DEFAULTS)) throw new Error(`the address has an unknown setting '${k}'`);
    if (k === "features") s.features = v === "" ? [] : v.split(",");
    else if (k === "layers") s.layers = v === "" ? [] : v.split(",").map(Number);
    else if (typeof DEFAULTS[k] === "number") s[k] = v.trim() === "" ? NaN : Number(v);
    else s[k] = v;
  }
  return validate(s);
}
