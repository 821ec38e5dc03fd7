// Colours of the plane: TensorFlow Playground's diverging scale (orange for negative / class 0,
// blue for positive / class 1, a light grey at zero) and one colour per class for 3-4 classes.
// Pure functions over numbers, shared by the heatmaps, the points and the links; unit-tested in
// tests/unit/plane_colors.test.mjs. Every colour is opaque, so a heatmap pixel read back from
// its canvas is exactly `cellColor(...)` of the model's output there.

export const ORANGE = [245, 147, 34];
export const BLUE = [8, 119, 189];
export const NEUTRAL = [232, 234, 235];
/** Class colours: class 0 orange, 1 blue, then green and purple. */
export const CLASS_COLORS = [ORANGE, BLUE, [46, 160, 67], [142, 68, 173]];

/** Write `mix(a, b, t)` as opaque RGBA at `out[o..o+4]` (no allocation: it runs per pixel). */
function mixInto(out, o, a, b, t) {
  out[o] = Math.round(a[0] + (b[0] - a[0]) * t);
  out[o + 1] = Math.round(a[1] + (b[1] - a[1]) * t);
  out[o + 2] = Math.round(a[2] + (b[2] - a[2]) * t);
  out[o + 3] = 255;
}

/** The diverging scale precomputed at 2 * LUT_HALF + 1 points over [-1, 1] (0 is an entry). */
const LUT_HALF = 511;
const LUT = (() => {
  const lut = new Uint8ClampedArray((2 * LUT_HALF + 1) * 4);
  for (let i = 0; i <= 2 * LUT_HALF; i++) {
    const t = i / LUT_HALF - 1;
    if (t < 0) mixInto(lut, 4 * i, NEUTRAL, ORANGE, -t);
    else mixInto(lut, 4 * i, NEUTRAL, BLUE, t);
  }
  return lut;
})();

/**
 * [`diverging`] written as RGBA at `out[o..o+4]`, from the table (it runs for every pixel of
 * every node, every frame): within one step of 1/511 of the exact mix.
 */
function divergingInto(out, o, v) {
  let i = LUT_HALF; // NaN: neutral
  if (v <= -1) i = 0;
  else if (v >= 1) i = 2 * LUT_HALF;
  else if (v === v) i = Math.round((v + 1) * LUT_HALF);
  const s = 4 * i;
  out[o] = LUT[s];
  out[o + 1] = LUT[s + 1];
  out[o + 2] = LUT[s + 2];
  out[o + 3] = 255;
}

/** `v` in [-1, 1] (clamped) on the orange-grey-blue scale; NaN is neutral. */
export function diverging(v) {
  const out = [0, 0, 0, 0];
  divergingInto(out, 0, v);
  return out.slice(0, 3);
}

/** [`cellColor`] of the `outputs` values at `values[i*outputs..]`, written as RGBA at `out[o..]`. */
function cellInto(out, o, values, i, outputs) {
  const at = i * outputs;
  if (outputs === 1) return divergingInto(out, o, values[at]);
  if (outputs === 2) return divergingInto(out, o, values[at + 1] - values[at]);
  let best = 0;
  for (let k = 1; k < outputs; k++) if (values[at + k] > values[at + best]) best = k;
  const sure = (values[at + best] - 1 / outputs) / (1 - 1 / outputs);
  mixInto(out, o, NEUTRAL, CLASS_COLORS[best], Math.max(0, Math.min(1, sure)));
}

/**
 * The colour of one grid cell from the model's `outputs` values there (`row`, an array-like):
 * one value (a regression) on the diverging scale; two class probabilities as p1 - p0 on it (as
 * TensorFlow Playground shows its single output); three or four as the likeliest class's colour,
 * stronger the surer the model is.
 */
export function cellColor(row, outputs) {
  const out = [0, 0, 0, 0];
  cellInto(out, 0, row, 0, outputs);
  return out.slice(0, 3);
}

/**
 * Fill RGBA `pixels` (n*n*4, e.g. an ImageData's data) from `output` ([n*n, outputs]).
 * `discretize` (TensorFlow Playground's "discretize output") shows only the decision: the
 * likeliest class's full colour, or the sign of a value.
 */
export function paintGrid(pixels, output, n, outputs, { discretize = false } = {}) {
  for (let i = 0; i < n * n; i++) {
    if (discretize) decisionInto(pixels, 4 * i, output, i, outputs);
    else cellInto(pixels, 4 * i, output, i, outputs);
  }
  return pixels;
}

function decisionInto(out, o, values, i, outputs) {
  const at = i * outputs;
  if (outputs === 1) return mixInto(out, o, values[at] < 0 ? ORANGE : BLUE, NEUTRAL, 0);
  let best = 0;
  for (let k = 1; k < outputs; k++) if (values[at + k] > values[at + best]) best = k;
  mixInto(out, o, CLASS_COLORS[best], NEUTRAL, 0);
}

/** Fill RGBA `pixels` with neuron `unit` of a hidden layer's `[n*n, width]` outputs. */
export function paintNeuron(pixels, hidden, n, width, unit) {
  for (let i = 0; i < n * n; i++) divergingInto(pixels, 4 * i, hidden[i * width + unit]);
  return pixels;
}

/**
 * Fill RGBA `pixels`, pixel p showing grid cell `cells[p]`: with `outputs` 1, the diverging colour
 * of `values[cell * stride + unit]` (a neuron or feature); else the cell's `cellColor` over its
 * `outputs` values (the output node).
 */
export function paintCells(pixels, cells, values, stride, unit, outputs) {
  for (let p = 0; p < cells.length; p++) {
    if (outputs === 1) divergingInto(pixels, 4 * p, values[cells[p] * stride + unit]);
    else cellInto(pixels, 4 * p, values, cells[p], outputs);
  }
  return pixels;
}

/** A point's fill: its class colour, or its value on the diverging scale. */
export function pointColor(target, problem) {
  return problem === "regression" ? diverging(target) : CLASS_COLORS[target] ?? NEUTRAL;
}

/** A link's stroke: blue for a positive weight, orange for a negative one, wider when larger. */
export function linkStyle(w) {
  const a = Math.abs(w);
  return {
    color: `rgb(${(w >= 0 ? BLUE : ORANGE).join(",")})`,
    width: Math.min(8, 0.5 + 2 * a),
    alpha: Math.min(1, 0.25 + a),
  };
}

/**
 * A weight's bin for drawing links in batches: a signed count of quarter units of |w|, capped
 * where `linkStyle` stops changing (width 8 at |w| = 3.75); `linkStyle(bin / 4)` draws it.
 */
export function linkBin(w) {
  if (!Number.isFinite(w)) return 0;
  return Math.sign(w) * Math.min(15, Math.round(Math.abs(w) * 4));
}

export const css = (rgb) => `rgb(${rgb.join(",")})`;
