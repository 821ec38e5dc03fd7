// The labs' scatter plot: each axis linear or log10, labelled points, curves and dashed
// horizontal guides. Redrawn whole on every change (a handful of points). The scales, ticks and
// canvas setup are the plotting core in js/plot/, shared with the playground's LineChart.
import { axisTicks, extent, fmtNumber, plottable, toAxis } from "../js/plot/scale.js";
import { clipped, drawAxes, drawAxisNames, drawEmptyText, makeFrame, prepareCanvas, scheduleDraw } from "../js/plot/canvas.js";
import { drawCurves, drawGuides, drawPointLabels, drawPoints } from "../js/plot/scatter.js";

export { fmtNumber };

const PAD = { left: 54, right: 14, top: 14, bottom: 38 };

/** [lo, hi] widened to at least `minSpan` around its middle, plus `frac` of the span each side. */
function padRange([lo, hi], frac, minSpan) {
  const span = Math.max(hi - lo, minSpan);
  const mid = (lo + hi) / 2;
  return [mid - span * (0.5 + frac), mid + span * (0.5 + frac)];
}

export class ScatterPlot {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{logX?: boolean, logY?: boolean, xLabel?: string, yLabel?: string, yFormat?: (v:number)=>string,
   *          xFormat?: (v:number)=>string, yMax?: number, emptyText?: string}} options
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.options = options;
    this.points = []; // {x, y, label?, color?}
    this.curves = []; // {points: [[x, y]], color, width?, dash?}
    this.guides = []; // {y, label, color}
    this.scheduled = false;
    new ResizeObserver(() => this.schedule()).observe(canvas);
  }

  set({ points, curves, guides }) {
    if (points) this.points = points;
    if (curves) this.curves = curves;
    if (guides) this.guides = guides;
    // For the browser tests (and DevTools): what is plotted, without reading pixels.
    this.canvas.dataset.points = String(this.points.length);
    this.canvas.dataset.curves = String(this.curves.length);
    this.schedule();
  }

  schedule() {
    scheduleDraw(this);
  }

  /** The ranges (axis units) the plot shows: the points', padded; curves and guides are clipped. */
  ranges() {
    const o = this.options;
    const logX = !!o.logX, logY = !!o.logY;
    const pts = this.points.filter((p) => plottable(p.x, logX) && plottable(p.y, logY));
    const empty = pts.length === 0;
    const x = extent(pts.map((p) => p.x), logX) ?? [0, 1];
    let y = extent(pts.map((p) => p.y), logY) ?? [0, 1];
    // A guide below the points (the irreducible loss) stays in view.
    const guideYs = this.guides.map((g) => g.y).filter((v) => plottable(v, logY));
    if (!empty && guideYs.length) y = [Math.min(y[0], ...guideYs.map((v) => toAxis(v, logY))), y[1]];
    const xr = padRange(x, 0.08, logX ? 0.5 : 1e-9 + Math.abs(x[0]) * 0.2);
    const yr = padRange(y, 0.1, logY ? 0.1 : 0.02);
    if (o.yMax !== undefined) yr[1] = Math.min(yr[1], toAxis(o.yMax, logY));
    return { x: xr, y: yr, empty, logX, logY };
  }

  draw() {
    const { canvas, options: o } = this;
    const { ctx, width, height, fg } = prepareCanvas(canvas, { width: 400, height: 260 });
    const { x, y, empty, logX, logY } = this.ranges();
    const frame = makeFrame(width, height, PAD, x, y);
    drawAxes(ctx, frame, {
      fg,
      xTicks: axisTicks(x[0], x[1], { log: logX, count: 5, format: o.xFormat }),
      yTicks: axisTicks(y[0], y[1], { log: logY, count: 4, format: o.yFormat }),
      xGrid: true,
      labels: !empty,
    });
    drawAxisNames(ctx, frame, { xLabel: o.xLabel, yLabel: o.yLabel, fg });
    const axes = { logX, logY };
    let drawn = [];
    clipped(ctx, frame, () => {
      drawGuides(ctx, frame, this.guides, axes);
      drawCurves(ctx, frame, this.curves, axes);
      drawn = drawPoints(ctx, frame, this.points, axes);
    });
    drawPointLabels(ctx, frame, drawn, fg);
    if (empty) drawEmptyText(ctx, frame, o.emptyText);
  }
}
