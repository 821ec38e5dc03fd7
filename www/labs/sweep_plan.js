// The scaling-law sweep's plan, with no DOM: the axes it can scale, the sizes typed for them,
// the config the engine takes, the parameter count of each run's model and the fitted curve.
// Unit-tested in Node (tests/unit/labs_sweep_plan.test.mjs).

/** What each choice of the "Scale" select sweeps, its field's label and hint, and default sizes. */
export const AXES = {
  mlp: { label: "Widths", hint: "MLP hidden units, comma-separated; one run each", sizes: "8, 16, 32, 64, 128, 256, 512" },
  cnn: { label: "Channel multipliers", hint: "CNN conv channels (the preset uses 32), comma-separated", sizes: "2, 4, 8, 16" },
  data: { label: "Fractions", hint: "fractions of the 9,000 training images (0 < f ≤ 1)", sizes: "0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1" },
};

/** The sizes in `text` (commas, spaces or semicolons between), or an Error naming the bad one. */
export function parseSizes(text, axis) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const values = parts.map(Number);
  if (!values.length) throw new Error("give at least one size");
  for (const [i, v] of values.entries()) {
    if (axis === "data" ? !(v > 0 && v <= 1) : !(Number.isInteger(v) && v >= 1 && v <= 4096)) {
      throw new Error(
        axis === "data"
          ? `'${parts[i]}' is not a fraction in (0, 1]`
          : `'${parts[i]}' is not a whole width between 1 and 4096`,
      );
    }
  }
  return values;
}

/**
 * The engine's ScalingSweep config from the form's values (strings as read from the inputs):
 * `{config, sizes, axis}`, or an Error a person can act on.
 */
export function sweepConfig({ axis, sizes, steps, backend, batch, evalLimit }) {
  const stepCount = Number(steps);
  if (!(Number.isInteger(stepCount) && stepCount >= 1)) throw new Error("steps per run must be a whole number ≥ 1");
  const values = parseSizes(sizes, axis);
  const config = {
    axis: axis === "data" ? "data" : "width",
    family: axis === "cnn" ? "cnn" : "mlp",
    backend,
    steps: stepCount,
    batch: Number(batch),
    eval_limit: Number(evalLimit),
  };
  if (axis === "data") config.fractions = values;
  else config.widths = values;
  return { config, sizes: values, axis };
}

/** Parameters of the sweep's models (src/labs/scaling.rs `width_spec`), for the progress line. */
export function parameterCount(family, w) {
  // MLP 784-w-10; CNN conv(w,3) pool conv(2w,3) pool dense(64) dense(10) on 28x28 (5x5 at the end).
  return family === "cnn" ? 18 * w * w + 3212 * w + 714 : 795 * w + 10;
}

/** The progress line's name for the run of `size` on `axis`. */
export function describeRun(axis, size) {
  if (axis === "data") return `${Math.round(size * 100)}% of the training images`;
  const n = parameterCount(axis, size).toLocaleString("en");
  return axis === "cnn" ? `CNN, channel multiplier ${size} (${n} parameters)` : `MLP, width ${size} (${n} parameters)`;
}

/** `steps + 1` points of L = a x^-alpha + c, evenly spaced in log x from half a decade below to above `xs`. */
export function powerLawCurve(fit, xs, steps = 80) {
  const lo = Math.log10(Math.min(...xs)) - 0.3;
  const hi = Math.log10(Math.max(...xs)) + 0.3;
  const line = [];
  for (let i = 0; i <= steps; i++) {
    const x = 10 ** (lo + ((hi - lo) * i) / steps);
    line.push([x, fit.a * x ** -fit.alpha + fit.c]);
  }
  return line;
}
