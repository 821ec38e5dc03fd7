// Learning-rate schedules on the page side: their kinds, defaults and limits (the same numbers
// and words as src/schedule.rs, which the engine checks again; step counts are whole numbers),
// and the factor each step's rate is the base rate times (the same formulas, for the curve drawn
// ahead of the steps that have run).
// Pure: no DOM, no workers (tests/unit/schedule.test.mjs).
//
// A live rate change (the slider, setLearningRate) sets the schedule's base rate: the schedule
// goes on from the same step, scaled. With 'constant' the rate in use is the rate set.

export const SCHEDULES = ["constant", "step", "cosine", "warmup_cosine", "onecycle"];
export const STEPS_MAX = 1e9;

// Each kind's parameters and their defaults (what `{kind}` alone means).
const PARAMS = Object.freeze({
  constant: {},
  step: { every: 500, gamma: 0.5 },
  cosine: { steps: 2000, floor: 0 },
  warmup_cosine: { warmup: 100, steps: 2000, floor: 0 },
  onecycle: { steps: 2000, rise: 0.3, div: 25, final_div: 1e4 },
});

const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const whole = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;

/** `s` completed with its kind's defaults and checked; throws a readable error. */
export function validateSchedule(s) {
  if (s === undefined || s === null) return { kind: "constant" };
  if (typeof s === "string") s = { kind: s };
  if (typeof s !== "object" || Array.isArray(s)) {
    throw new Error(`schedule must be an object like {kind: 'cosine', steps: 2000}, got ${JSON.stringify(s)}`);
  }
  if (!SCHEDULES.includes(s.kind)) throw new Error(`schedule: kind must be one of ${SCHEDULES.join(", ")}, got ${JSON.stringify(s.kind)}`);
  const known = PARAMS[s.kind];
  for (const key of Object.keys(s)) {
    if (key !== "kind" && !(key in known)) {
      const names = Object.keys(known);
      throw new Error(`schedule: unknown ${s.kind} parameter '${key}'${names.length ? `; known: ${names.join(", ")}` : ""}`);
    }
  }
  const out = { kind: s.kind, ...known, ...s };
  const refuse = (m) => {
    throw new Error(`schedule: ${m}`);
  };
  for (const key of ["every", "steps", "warmup"]) {
    if (key in out && !whole(out[key], key === "steps" && out.kind === "onecycle" ? 2 : 1, STEPS_MAX)) {
      refuse(`${key} ${out[key]} is not in ${key === "steps" && out.kind === "onecycle" ? 2 : 1}..${STEPS_MAX}`);
    }
  }
  if ("gamma" in out && !(isNum(out.gamma) && out.gamma > 0 && out.gamma <= 1)) refuse(`gamma ${out.gamma} is not in (0, 1]`);
  if ("floor" in out && !(isNum(out.floor) && out.floor >= 0 && out.floor <= 1)) refuse(`floor ${out.floor} is not in [0, 1]`);
  if (out.kind === "warmup_cosine" && !(out.warmup < out.steps)) refuse(`warmup ${out.warmup} is not in 1..${out.steps - 1}`);
  if (out.kind === "onecycle") {
    if (!(isNum(out.rise) && out.rise > 0 && out.rise < 1)) refuse(`rise ${out.rise} is not in (0, 1)`);
    const up = out.rise * out.steps - 1;
    if (up < 1 || up >= out.steps - 1) refuse(`rise ${out.rise} of ${out.steps} steps leaves a phase without steps`);
    if (!(isNum(out.div) && out.div >= 1 && out.div <= 1e6)) refuse(`div ${out.div} is not in [1, 1000000]`);
    if (!(isNum(out.final_div) && out.final_div >= 1 && out.final_div <= 1e8)) refuse(`final_div ${out.final_div} is not in [1, 100000000]`);
  }
  return out;
}

const anneal = (start, end, p) => end + (start - end) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, p))));

/** The multiplier on the base rate at step `t` (from 0); `s` validated. src/schedule.rs. */
export function scheduleFactor(s, t) {
  switch (s.kind) {
    case "step":
      return s.gamma ** Math.floor(t / s.every);
    case "cosine":
      return anneal(1, s.floor, Math.min(t, s.steps) / s.steps);
    case "warmup_cosine":
      return t < s.warmup ? (t + 1) / s.warmup : anneal(1, s.floor, (t - s.warmup) / (s.steps - s.warmup));
    case "onecycle": {
      const initial = 1 / s.div;
      const upEnd = s.rise * s.steps - 1;
      if (t <= upEnd) return anneal(initial, 1, t / upEnd);
      return anneal(1, initial / s.final_div, (t - upEnd) / (s.steps - 1 - upEnd));
    }
    default:
      return 1;
  }
}

/** A short label for the chart and the controls, e.g. "cosine over 2000 steps". */
export function describeSchedule(s) {
  switch (s.kind) {
    case "step":
      return `×${s.gamma} every ${s.every} steps`;
    case "cosine":
      return `cosine over ${s.steps} steps`;
    case "warmup_cosine":
      return `warm-up ${s.warmup}, cosine to ${s.steps}`;
    case "onecycle":
      return `one-cycle over ${s.steps} steps`;
    default:
      return "constant";
  }
}
