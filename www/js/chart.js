// The playground's line chart: several series, linear or log y, vertical markers (learning-rate
// changes), a legend and an empty-state text. Redrawn whole on every update; cheap at these
// sizes. The scales, ticks and canvas setup are the plotting core in js/plot/, shared with the
// labs' ScatterPlot.
import { axisTicks, extent, plottable } from "./plot/scale.js";
import { clipped, drawAxes, drawEmptyText, makeFrame, prepareCanvas, scheduleDraw } from "./plot/canvas.js";
import { drawLegend, drawMarkers, drawSeries } from "./plot/lines.js";

const PAD = { left: 46, right: 10, top: 22, bottom: 22 };

/** A y option in axis units; a log axis clamps 0 (a common yMin) to 1e-12 instead of -Infinity. */
const yOption = (v, log) => (log ? Math.log10(Math.max(v, 1e-12)) : v);

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{logY?: boolean, yMin?: number, yMax?: number, xLabel?: string, emptyText?: string}} options
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.options = options;
    this.series = []; // {name, color, points: [[x, y]], width?, dash?, dots?, band?: [[x, lo, hi]]}
    this.markers = []; // {x, label}
    this.scheduled = false;
  }

  setSeries(series) {
    this.series = series;
    this.schedule();
  }

  setMarkers(markers) {
    this.markers = markers;
    this.schedule();
  }

  schedule() {
    scheduleDraw(this);
  }

  /** The x value (a step) under a pointer at `clientX`, clamped to the plotted range. */
  xAt(clientX) {
    const rect = this.canvas.getBoundingClientRect();
    const { x } = this.ranges();
    const f = (clientX - rect.left - PAD.left) / Math.max(1, rect.width - PAD.left - PAD.right);
    return x[0] + Math.min(1, Math.max(0, f)) * (x[1] - x[0]);
  }

  /** The x and y ranges (y in axis units) the chart shows, and whether it has no data. */
  ranges() {
    const { options } = this;
    const log = !!options.logY;
    const xs = [];
    const ys = [];
    for (const s of this.series) {
      for (const [x, lo, hi] of s.band ?? []) {
        if (!Number.isFinite(x) || !plottable(lo, log) || !plottable(hi, log)) continue;
        xs.push(x, x);
        ys.push(lo, hi);
      }
      for (const [x, y] of s.points) {
        if (!Number.isFinite(x) || !plottable(y, log)) continue;
        xs.push(x);
        ys.push(y);
      }
    }
    const empty = xs.length === 0;
    let [xMin, xMax] = extent(xs) ?? [0, 1];
    let [yMin, yMax] = extent(ys, log) ?? [0, 1];
    if (options.yMin !== undefined) yMin = yOption(options.yMin, log);
    if (options.yMax !== undefined) yMax = yOption(options.yMax, log);
    if (xMax === xMin) xMax = xMin + 1;
    if (yMax === yMin) {
      yMax += 0.5;
      yMin -= 0.5;
    }
    if (log) {
      // Whole decades: a gradient norm reads against powers of ten.
      yMin = Math.floor(yMin) + 0; // + 0: Math.ceil(-0.5) is -0
      yMax = Math.ceil(yMax) + 0;
    }
    return { x: [xMin, xMax], y: [yMin, yMax], empty, log };
  }

  draw() {
    const { canvas, options } = this;
    const { ctx, width, height, fg } = prepareCanvas(canvas, { width: 400, height: 200 });
    const { x, y, empty, log } = this.ranges();
    const frame = makeFrame(width, height, PAD, x, y);
    drawAxes(ctx, frame, {
      fg,
      xTicks: axisTicks(x[0], x[1], { count: 5 }),
      yTicks: axisTicks(y[0], y[1], { log, count: 4 }),
      labels: !empty,
    });
    drawMarkers(ctx, frame, this.markers);
    clipped(ctx, frame, () => drawSeries(ctx, frame, this.series, { log }));
    drawLegend(ctx, frame, this.series, fg);
    if (empty) drawEmptyText(ctx, frame, options.emptyText);
  }
}

/** A smoothed copy of [[x, y]] (exponential moving average, bias-corrected). */
export function smooth(points, alpha = 0.9) {
  const out = [];
  let m = 0;
  let k = 0;
  for (const [x, y] of points) {
    if (!Number.isFinite(y)) continue;
    m = alpha * m + (1 - alpha) * y;
    k++;
    out.push([x, m / (1 - alpha ** k)]);
  }
  return out;
}
