// The ranges the two charts show (LineChart.ranges, ScatterPlot.ranges) in Node, without a
// canvas: empty data, a single point, unplottable values and log axes never give a zero-width
// or non-finite range.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LineChart } from "../../www/js/chart.js";
import { ScatterPlot } from "../../www/labs/plot.js";

const line = (options, series = []) => {
  const c = new LineChart(null, options);
  c.series = series;
  return c.ranges();
};
/** A ScatterPlot without its canvas and ResizeObserver (the range logic needs neither). */
const scatter = (options, points = [], guides = []) =>
  Object.assign(Object.create(ScatterPlot.prototype), { options, points, curves: [], guides }).ranges();
const finiteRange = ([lo, hi]) => Number.isFinite(lo) && Number.isFinite(hi) && hi > lo;

test("LineChart: empty, single-point and unplottable data", () => {
  assert.deepEqual(line({}), { x: [0, 1], y: [0, 1], empty: true, log: false });
  const one = line({}, [{ points: [[5, 2]] }]);
  assert.deepEqual(one.x, [5, 6]);
  assert.deepEqual(one.y, [1.5, 2.5]);
  assert.equal(one.empty, false);
  const junk = line({}, [{ points: [[0, NaN], [1, Infinity], [NaN, 3]] }]);
  assert.equal(junk.empty, true, "no plottable point: the empty state");
  const acc = line({ yMin: 0, yMax: 1 }, [{ points: [[0, 0.5], [10, 0.9]] }]);
  assert.deepEqual(acc.y, [0, 1]);
});

test("LineChart: log y drops zeros and negatives, spans whole decades, clamps yMin 0", () => {
  const g = line({ logY: true }, [{ points: [[0, 0], [1, -2], [2, 0.004], [3, 0.3]] }]);
  assert.deepEqual(g.y, [-3, 0]);
  assert.deepEqual(g.x, [2, 3], "x follows the plottable points only");
  const flat = line({ logY: true }, [{ points: [[0, 0.01], [1, 0.01]] }]);
  assert.ok(finiteRange(flat.y) && Number.isInteger(flat.y[0]) && Number.isInteger(flat.y[1]), `${flat.y}`);
  const clamped = line({ logY: true, yMin: 0 }, [{ points: [[0, 1], [1, 10]] }]);
  assert.deepEqual(clamped.y, [-12, 1]);
});

test("ScatterPlot: padded ranges, a single point, guides kept in view", () => {
  const empty = scatter({ logX: true, logY: true });
  assert.equal(empty.empty, true);
  assert.ok(finiteRange(empty.x) && finiteRange(empty.y));
  const one = scatter({ logX: true, logY: true }, [{ x: 1000, y: 0.5 }]);
  assert.ok(one.x[0] < 3 && one.x[1] > 3 && finiteRange(one.x), `${one.x}`);
  assert.ok(one.y[0] < Math.log10(0.5) && one.y[1] > Math.log10(0.5), `${one.y}`);
  const lin = scatter({}, [{ x: 0, y: 0 }, { x: 0, y: 0 }]);
  assert.ok(finiteRange(lin.x) && finiteRange(lin.y), `${lin.x} ${lin.y}`);
  const withGuide = scatter({ logX: true, logY: true }, [{ x: 10, y: 1 }, { x: 100, y: 0.5 }], [{ y: 0.1 }]);
  assert.ok(withGuide.y[0] < -1, `the guide at 0.1 is inside ${withGuide.y}`);
  const bad = scatter({ logX: true }, [{ x: 0, y: 1 }, { x: -5, y: 1 }, { x: 10, y: NaN }]);
  assert.equal(bad.empty, true);
  const capped = scatter({ logX: true, yMax: 1 }, [{ x: 10, y: 0.98 }, { x: 100, y: 0.99 }]);
  assert.ok(capped.y[1] <= 1, `accuracy axis stops at 100%: ${capped.y}`);
});
