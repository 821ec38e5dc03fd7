// The plotting core's axis arithmetic (www/js/plot/scale.js) in Node: linear ticks are nice
// (1, 2, 5 x 10^k), cover the range, stay near the asked count and carry no float junk; log
// ticks are decades with sub-decade ticks on short ranges; degenerate ranges and unplottable
// values never break an axis; labels read well.
import { test } from "node:test";
import assert from "node:assert/strict";
import { axisTicks, extent, fmtNumber, linearMap, linearTicks, logTicks, plottable, toAxis } from "../../www/js/plot/scale.js";

/** A seeded generator in [0, 1), so a failure reproduces. */
function rng(seed) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** Whether `step` is 1, 2 or 5 times a power of ten (to float rounding). */
function isNice(step) {
  const m = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5, 10].some((n) => Math.abs(m - n) < 1e-6);
}

/** A number's shortest form has no run of 0s or 9s after 12 significant digits. */
const clean = (v) => !/(0000000|9999999)\d$/.test(String(v)) && String(v).replace(/^-?0\.0*/, "").length <= 15;

test("linear ticks: nice evenly spaced steps inside the range, near the count, at least two", () => {
  const rand = rng(7);
  for (let i = 0; i < 2000; i++) {
    const scale = 10 ** Math.floor(rand() * 16 - 8);
    const lo = (rand() * 2 - 1) * scale * 10;
    const hi = lo + rand() * scale * 10 + scale * 1e-3;
    const count = 2 + Math.floor(rand() * 8);
    const ticks = linearTicks(lo, hi, count);
    const where = `[${lo}, ${hi}] count ${count}: ${ticks}`;
    assert.ok(ticks.length >= 2 && ticks.length <= 2 * count + 1, `tick count ${ticks.length} for ${where}`);
    const step = ticks[1] - ticks[0];
    assert.ok(isNice(step), `step ${step} is nice for ${where}`);
    const tol = step * 1e-6;
    for (let k = 0; k < ticks.length; k++) {
      assert.ok(ticks[k] >= lo - tol && ticks[k] <= hi + tol, `tick ${ticks[k]} inside ${where}`);
      if (k) assert.ok(Math.abs(ticks[k] - ticks[k - 1] - step) <= tol, `even spacing in ${where}`);
    }
    // Covering: the ticks leave at most one step uncovered at each end.
    assert.ok(ticks[0] - lo <= step + tol && hi - ticks[ticks.length - 1] <= step + tol, `coverage of ${where}`);
  }
});

test("linear ticks carry no float junk, in values or labels", () => {
  assert.deepEqual(linearTicks(0, 1, 10), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  assert.deepEqual(linearTicks(0.1, 0.7, 6), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  assert.deepEqual(linearTicks(-0.3, 0.3, 6), [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
  assert.deepEqual(linearTicks(1e-7, 7e-7, 6), [1e-7, 2e-7, 3e-7, 4e-7, 5e-7, 6e-7, 7e-7]);
  const rand = rng(11);
  for (let i = 0; i < 500; i++) {
    const lo = rand() * 3 - 1, hi = lo + rand() * 2 + 0.01;
    for (const t of axisTicks(lo, hi, { count: 5 })) {
      assert.ok(clean(t.value), `tick value ${t.value} in [${lo}, ${hi}]`);
      assert.ok(!/\d{6,}/.test(t.label), `label ${t.label} in [${lo}, ${hi}]`);
    }
  }
  // The old chart.js accumulated ticks (v += step): 0.1 + 0.2 read 0.30000000000000004.
  assert.ok(linearTicks(0, 0.35, 4).includes(0.3));
});

test("linear ticks keep their count on awkward ranges (no lone tick)", () => {
  // step0 just over 2 x 10^k used to pick 5 x 10^k: one tick in [0.1, 8.14].
  assert.deepEqual(linearTicks(0.1, 8.14, 4), [2, 4, 6, 8]);
  assert.deepEqual(linearTicks(0, 1000, 5), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(linearTicks(995, 1005, 4), [996, 998, 1000, 1002, 1004]);
  assert.deepEqual(linearTicks(5, 1, 4), linearTicks(1, 5, 4), "reversed bounds are the same range");
});

test("log ticks: decades over wide ranges, sub-decade ticks over a decade or two", () => {
  const values = (lo, hi) => logTicks(lo, hi).map((t) => +(10 ** t).toPrecision(12));
  assert.deepEqual(values(-4, 0), [1e-4, 1e-3, 0.01, 0.1, 1]);
  assert.deepEqual(values(0, 2), [1, 3, 10, 30, 100]);
  assert.deepEqual(values(0, 1), [1, 2, 3, 5, 10]);
  assert.deepEqual(values(Math.log10(0.2), Math.log10(0.5)), [0.2, 0.3, 0.4, 0.5]);
  // Under a factor of two: plain linear ticks of the values.
  const narrow = values(Math.log10(0.21), Math.log10(0.29));
  assert.ok(narrow.length >= 2, `${narrow}`);
  for (const v of narrow) assert.ok(v >= 0.21 && v <= 0.29 && clean(v), `${narrow}`);
  for (const t of logTicks(0, 0.3)) assert.ok(t >= 0 && t <= 0.3);
});

test("log ticks over tiny and huge ranges stay few and in range", () => {
  for (const [lo, hi] of [[-300, 300], [-30, -20], [10, 40], [-12, 12], [5, 5.01], [-7.001, -7]]) {
    const ticks = logTicks(lo, hi);
    assert.ok(ticks.length >= 1 && ticks.length <= 20, `[${lo}, ${hi}]: ${ticks.length} ticks`);
    for (const t of ticks) assert.ok(t >= lo - 1e-9 && t <= hi + 1e-9, `${t} in [${lo}, ${hi}]`);
  }
  const labels = axisTicks(-30, -20, { log: true }).map((t) => t.label);
  assert.ok(labels.includes("1e-30") && labels.includes("1e-20"), `${labels}`);
});

test("degenerate ranges: a single value, NaN and Infinity, empty data", () => {
  assert.deepEqual(linearTicks(3, 3, 5), [3]);
  assert.deepEqual(linearTicks(0, 0, 5), [0]);
  assert.deepEqual(linearTicks(NaN, 1, 5), []);
  assert.deepEqual(linearTicks(0, Infinity, 5), []);
  assert.deepEqual(logTicks(NaN, 2), []);
  assert.deepEqual(logTicks(-Infinity, 2), []);
  assert.ok(logTicks(2, 2).length <= 1);

  assert.equal(extent([]), null);
  assert.equal(extent([NaN, Infinity, -Infinity]), null);
  assert.deepEqual(extent([4]), [4, 4]);
  assert.deepEqual(extent([3, NaN, -1, Infinity, 2]), [-1, 3]);
  assert.deepEqual(extent([0, -5, 100, 0.01], true), [-2, 2], "a log axis drops 0 and negatives");
  assert.equal(extent([0, -1], true), null);

  assert.equal(plottable(0, true), false);
  assert.equal(plottable(0, false), true);
  assert.equal(plottable(NaN), false);
  assert.equal(toAxis(1000, true), 3);

  const flat = linearMap(2, 2, 0, 100);
  assert.equal(flat(2), 50, "a degenerate domain maps to the middle, not NaN");
  const m = linearMap(0, 10, 100, 0);
  assert.equal(m(0), 100);
  assert.equal(m(5), 50);
});

test("number formatting: short, k and M, exponents for the tiny and the huge", () => {
  const cases = [
    [0, "0"], [1, "1"], [0.5, "0.5"], [0.3, "0.3"], [0.1 + 0.2, "0.3"], [2.345, "2.35"], [-0.25, "-0.25"],
    [12, "12"], [999, "999"], [1000, "1k"], [1500, "1.5k"], [25450, "25.5k"], [999950, "1M"], [2.5e6, "2.5M"],
    [0.01, "0.01"], [0.005, "5e-3"], [0.0025, "2.5e-3"], [1e-12, "1e-12"], [3e9, "3e9"],
    [NaN, "NaN"], [Infinity, "Infinity"],
  ];
  for (const [v, s] of cases) assert.equal(fmtNumber(v), s, `fmtNumber(${v})`);
  assert.equal(fmtNumber(1234.5, 5), "1.2345k", "more digits on request");
});

test("tick labels tell neighbouring ticks apart and honour a format", () => {
  const close = axisTicks(1000, 1001, { count: 4 }).map((t) => t.label);
  assert.equal(new Set(close).size, close.length, `distinct labels: ${close}`);
  assert.deepEqual(axisTicks(0, 2000, { count: 4 }).map((t) => t.label), ["0", "500", "1k", "1.5k", "2k"]);
  const pct = axisTicks(0.9, 1, { count: 3, format: (v) => `${Math.round(v * 100)}%` }).map((t) => t.label);
  assert.deepEqual(pct, ["90%", "95%", "100%"]);
  const decades = axisTicks(-3, 1, { log: true }).map((t) => t.label);
  assert.deepEqual(decades, ["1e-3", "0.01", "0.1", "1", "10"]);
});
