// The arithmetic of a chart axis, with no DOM: which values an axis can show, the range they
// span, where its ticks go and how their labels read. Shared by the playground's LineChart and
// the labs' ScatterPlot (and unit-tested in Node: tests/unit/plot_scale.test.mjs).
//
// An axis works in "axis units": the value itself on a linear axis, log10 of it on a log axis.
// Ranges (`[lo, hi]`) and tick positions are in axis units; labels are of the values.

/** Whether `v` can be placed on an axis (finite, and positive on a log axis). */
export function plottable(v, log = false) {
  return Number.isFinite(v) && (!log || v > 0);
}

/** `v` in axis units. */
export function toAxis(v, log = false) {
  return log ? Math.log10(v) : v;
}

/** The [lo, hi] (axis units) of the plottable `values`, or null when none is. */
export function extent(values, log = false) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!plottable(v, log)) continue;
    const t = toAxis(v, log);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Decimal places that print a multiple of `step` exactly (step = m x 10^k, m in 1, 2, 5). */
function decimalsOf(step) {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * About `count` "nice" values (multiples of 1, 2 or 5 x 10^k) inside [lo, hi], at least two when
 * the range is not a single point. Each tick is computed as i x step and rounded to the step's
 * decimals, so no float junk (0.30000000000000004) reaches a position or a label: ticks are never
 * accumulated by repeated addition.
 */
export function linearTicks(lo, hi, count = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) return [lo];
  const span = hi - lo;
  const mag = 10 ** Math.floor(Math.log10(span / Math.max(1, count)));
  // The candidate step whose tick count is nearest `count` (ties: the finer), never one tick
  // alone: [0.1, 8.1] with count 4 takes step 2 (2, 4, 6, 8), not 5 (a lone 5).
  let best = null;
  for (const m of [0.5, 1, 2, 5, 10, 20]) {
    const step = m * mag;
    const first = Math.ceil(lo / step - 1e-9);
    const last = Math.floor(hi / step + 1e-9);
    const n = last - first + 1;
    if (n < 2) continue;
    const score = Math.abs(n - count);
    if (!best || score < best.score) best = { step, first, last, score };
  }
  if (!best) return [lo, hi];
  const places = decimalsOf(best.step);
  const ticks = [];
  for (let i = best.first; i <= best.last; i++) ticks.push(+(i * best.step).toFixed(Math.min(places, 100)));
  return ticks;
}

/**
 * Tick positions (axis units, log10) for a log axis over [lo, hi] (log10 units): powers of ten,
 * with 2, 3, 5 (and finer) between them when the range spans a decade or two at most. Under a
 * factor of two, plain linear ticks of the values, placed on the log axis.
 */
export function logTicks(lo, hi) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo > hi) [lo, hi] = [hi, lo];
  const span = hi - lo;
  if (span < 0.3) {
    return linearTicks(10 ** lo, 10 ** hi, 4).filter((v) => v > 0).map(Math.log10);
  }
  const mults = span < 0.6 ? [1, 1.5, 2, 3, 4, 5, 6, 8] : span < 1.5 ? [1, 2, 3, 5] : span < 3 ? [1, 3] : [1];
  // Over many decades, every k-th decade only, so a huge range keeps a readable tick count.
  const every = Math.max(1, Math.ceil(span / 8));
  const out = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    if (e % every !== 0) continue;
    for (const m of mults) {
      const t = Math.log10(m) + e;
      if (t >= lo - 1e-9 && t <= hi + 1e-9) out.push(t);
    }
  }
  return out;
}

/**
 * A short label for `v`: three significant digits, thousands as k and millions as M (parameter
 * and step counts), exponent form below 0.01 and from 10^9; `digits` raises the precision when
 * neighbouring ticks would otherwise read the same.
 */
export function fmtNumber(v, digits = 3) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const r = +v.toPrecision(digits); // round first: 999,950 is "1M", not "1000k"
  const a = Math.abs(r);
  if (a >= 1e9 || a < 0.01) return r.toExponential().replace("e+", "e");
  if (a >= 1e6) return `${+(r / 1e6).toPrecision(digits)}M`;
  if (a >= 1e3) return `${+(r / 1e3).toPrecision(digits)}k`;
  return String(r);
}

/** Significant digits that tell ticks `step` apart at magnitude up to `top` (3 at least). */
function digitsFor(top, step) {
  if (!(step > 0) || !(top > 0)) return 3;
  return Math.min(15, Math.max(3, Math.floor(Math.log10(top)) - Math.floor(Math.log10(step) + 1e-9) + 1));
}

/**
 * The ticks of an axis over [lo, hi] (axis units): `[{at, value, label}]`, `at` in axis units.
 * `format(value)` overrides the labels (e.g. percentages).
 */
export function axisTicks(lo, hi, { log = false, count = 5, format } = {}) {
  if (log) {
    return logTicks(lo, hi).map((at) => {
      const value = +(10 ** at).toPrecision(12);
      return { at, value, label: format ? format(value) : fmtNumber(value) };
    });
  }
  const values = linearTicks(lo, hi, count);
  const step = values.length > 1 ? values[1] - values[0] : 0;
  const digits = digitsFor(Math.max(...values.map(Math.abs)), step);
  return values.map((value) => ({ at: value, value, label: format ? format(value) : fmtNumber(value, digits) }));
}

/** The affine map taking [d0, d1] onto [r0, r1] (a degenerate domain maps to the middle). */
export function linearMap(d0, d1, r0, r1) {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  if (k === 0) return () => (r0 + r1) / 2;
  return (t) => r0 + (t - d0) * k;
}
