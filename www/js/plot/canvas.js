// The canvas side of a chart: a high-DPI canvas sized to its CSS box, the plot area inside the
// padding, the axis frame (gridlines, tick labels, border, axis names), clipping and the
// "nothing yet" text. The layers (lines.js, scatter.js) draw inside the frame this builds.
import { linearMap } from "./scale.js";

const GRID = "rgba(128,128,128,0.25)";
const BORDER = "rgba(128,128,128,0.6)";
const FAINT = "rgba(128,128,128,0.9)";

/**
 * Size `canvas` to its CSS box times the device pixel ratio (sharp on high-DPI screens), clear
 * it, and return a context that draws in CSS pixels. `fallback` is the size of a canvas that is
 * not laid out (hidden): drawing still works, at that size.
 */
export function prepareCanvas(canvas, fallback = { width: 400, height: 200 }) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || fallback.width;
  const height = canvas.clientHeight || fallback.height;
  // Resizing clears the canvas and costs a reallocation: only when the size changed.
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  const fg = getComputedStyle(canvas).color || "#222";
  return { ctx, width, height, fg };
}

/**
 * The frame of a plot: its area inside `pad` and the maps from axis units (`x` and `y` ranges,
 * see scale.js) to CSS pixels (`X`, `Y`; y grows upwards).
 */
export function makeFrame(width, height, pad, [x0, x1], [y0, y1]) {
  const area = {
    left: pad.left,
    top: pad.top,
    width: width - pad.left - pad.right,
    height: height - pad.top - pad.bottom,
  };
  area.right = area.left + area.width;
  area.bottom = area.top + area.height;
  return {
    area,
    x: [x0, x1],
    y: [y0, y1],
    X: linearMap(x0, x1, area.left, area.right),
    Y: linearMap(y0, y1, area.bottom, area.top),
  };
}

/** Half-pixel offset so a 1px line at `v` covers one pixel row, not two half-lit ones. */
const crisp = (v) => Math.round(v) + 0.5;

/**
 * Gridlines and tick labels. `xTicks`/`yTicks` are `[{at, label}]` (scale.js `axisTicks`);
 * `xGrid` draws vertical gridlines too; `labels: false` keeps the lines but not the numbers
 * (an empty plot has no values to name).
 */
export function drawAxes(ctx, frame, { xTicks, yTicks, fg, xGrid = false, labels = true }) {
  const { area, X, Y } = frame;
  ctx.lineWidth = 1;
  ctx.strokeStyle = GRID;
  ctx.fillStyle = fg;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of yTicks) {
    const y = crisp(Y(t.at));
    ctx.beginPath();
    ctx.moveTo(area.left, y);
    ctx.lineTo(area.right, y);
    ctx.stroke();
    if (labels) ctx.fillText(t.label, area.left - 4, y);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of xTicks) {
    const x = xGrid ? crisp(X(t.at)) : X(t.at);
    if (xGrid) {
      ctx.beginPath();
      ctx.moveTo(x, area.top);
      ctx.lineTo(x, area.bottom);
      ctx.stroke();
    }
    if (labels) ctx.fillText(t.label, x, area.bottom + 4);
  }
  ctx.strokeStyle = BORDER;
  ctx.strokeRect(area.left + 0.5, area.top + 0.5, area.width, area.height);
}

/** Axis names: x centred under the tick labels, y rotated along the left edge. */
export function drawAxisNames(ctx, frame, { xLabel, yLabel, fg }) {
  const { area } = frame;
  ctx.fillStyle = fg;
  if (xLabel) {
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText(xLabel, area.left + area.width / 2, area.bottom + 20);
  }
  if (yLabel) {
    ctx.save();
    ctx.translate(12, area.top + area.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(yLabel, 0, 0);
    ctx.restore();
  }
}

/** Run `draw()` with drawing clipped to the plot area (lines leaving the range are cut there). */
export function clipped(ctx, frame, draw) {
  const { area } = frame;
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.width, area.height);
  ctx.clip();
  try {
    draw();
  } finally {
    ctx.restore();
  }
}

/** The grey "nothing yet" text in the middle of an empty plot. */
export function drawEmptyText(ctx, frame, text) {
  if (!text) return;
  const { area } = frame;
  ctx.fillStyle = FAINT;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(text, area.left + area.width / 2, area.top + area.height / 2);
}

/**
 * A once-per-frame redraw for `chart` (anything with `draw()` and a `scheduled` flag): many
 * updates between two frames draw once.
 */
export function scheduleDraw(chart) {
  if (chart.scheduled) return;
  chart.scheduled = true;
  requestAnimationFrame(() => {
    chart.scheduled = false;
    chart.draw();
  });
}
