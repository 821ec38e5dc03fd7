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

const mix = (a, b, t) => [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));

/** `v` in [-1, 1] (clamped) on the orange-grey-blue scale; NaN is neutral. */
export function diverging(v) {
  if (!Number.isFinite(v)) return [...NEUTRAL];
  const t = Math.max(-1, Math.min(1, v));
  return t < 0 ? mix(NEUTRAL, ORANGE, -t) : mix(NEUTRAL, BLUE, t);
}

/**
 * The colour of one grid cell from the model's `outputs` values there (`row`, an array-like):
 * one value (a regression) on the diverging scale; two class probabilities as p1 - p0 on it (as
 * TensorFlow Playground shows its single output); three or four as the likeliest class's colour,
 * stronger the surer the model is.
 */
export function cellColor(row, outputs) {
  if (outputs === 1) return diverging(row[0]);
  if (outputs === 2) return diverging(row[1] - row[0]);
  let best = 0;
  for (let k = 1; k < outputs; k++) if (row[k] > row[best]) best = k;
  const sure = (row[best] - 1 / outputs) / (1 - 1 / outputs);
  return mix(NEUTRAL, CLASS_COLORS[best], Math.max(0, Math.min(1, sure)));
}

/** Fill RGBA `pixels` (n*n*4, e.g. an ImageData's data) from `output` ([n*n, outputs]). */
export function paintGrid(pixels, output, n, outputs) {
  const row = new Float32Array(outputs);
  for (let i = 0; i < n * n; i++) {
    for (let k = 0; k < outputs; k++) row[k] = output[i * outputs + k];
    const [r, g, b] = cellColor(row, outputs);
    pixels[4 * i] = r;
    pixels[4 * i + 1] = g;
    pixels[4 * i + 2] = b;
    pixels[4 * i + 3] = 255;
  }
  return pixels;
}

/** Fill RGBA `pixels` with neuron `unit` of a hidden layer's `[n*n, width]` outputs. */
export function paintNeuron(pixels, hidden, n, width, unit) {
  for (let i = 0; i < n * n; i++) {
    const [r, g, b] = diverging(hidden[i * width + unit]);
    pixels[4 * i] = r;
    pixels[4 * i + 1] = g;
    pixels[4 * i + 2] = b;
    pixels[4 * i + 3] = 255;
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

export const css = (rgb) => `rgb(${rgb.join(",")})`;
