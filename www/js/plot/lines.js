// The playground's layers: line series (thinned to about a point per pixel column), dots,
// vertical markers (learning-rate changes) and a legend along the top. Each draws inside a frame
// from canvas.js; `log` says whether y is a log axis (values are converted to axis units here).
import { plottable, toAxis } from "./scale.js";

const MARKER = "#b35c00";

/**
 * Series `{color, points: [[x, y]], width?, dash?, dots?, band?}`: a line through the plottable
 * points, and a dot at each when `dots` is set or there is a single point (a line needs two).
 * `band` ([[x, lo, hi]]: a long run's summarised steps, www/js/history.js) is filled faintly
 * under the line, so the spread the bucket means hide stays visible.
 */
export function drawSeries(ctx, frame, series, { log = false } = {}) {
  const { X, Y, area } = frame;
  const at = ([x, y]) => [X(x), Y(toAxis(y, log))];
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = s.width ?? 1.5;
    ctx.setLineDash(s.dash ?? []);
    if (s.band) drawBand(ctx, s.band.filter(([x, lo, hi]) => Number.isFinite(x) && plottable(lo, log) && plottable(hi, log)), at);
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && plottable(y, log));
    if (s.dots || pts.length === 1) {
      for (const p of pts) {
        const [px, py] = at(p);
        ctx.beginPath();
        ctx.arc(px, py, 2.5, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    if (pts.length > 1) {
      // Thin very long series to about two points per pixel column; the last point always.
      const stride = Math.max(1, Math.floor(pts.length / (area.width * 2)));
      ctx.beginPath();
      for (let i = 0; i < pts.length; i += stride) {
        const [px, py] = at(pts[i]);
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.lineTo(...at(pts[pts.length - 1]));
      ctx.stroke();
    }
  }
  ctx.setLineDash([]);
}

/** A filled polygon along the band's highs and back along its lows. */
function drawBand(ctx, band, at) {
  if (band.length < 2) return;
  ctx.save();
  ctx.globalAlpha = 0.35;
  ctx.beginPath();
  band.forEach(([x, , hi], i) => (i ? ctx.lineTo(...at([x, hi])) : ctx.moveTo(...at([x, hi]))));
  for (let i = band.length - 1; i >= 0; i--) ctx.lineTo(...at([band[i][0], band[i][1]]));
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}

/** Dashed vertical markers `{x, label?}` at x positions inside the frame's x range. */
export function drawMarkers(ctx, frame, markers) {
  const { X, area, x: [x0, x1] } = frame;
  ctx.save();
  ctx.setLineDash([4, 3]);
  ctx.strokeStyle = MARKER;
  ctx.fillStyle = MARKER;
  ctx.lineWidth = 1;
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  for (const m of markers) {
    if (!(m.x >= x0 && m.x <= x1)) continue;
    const x = Math.round(X(m.x)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, area.top);
    ctx.lineTo(x, area.bottom);
    ctx.stroke();
    if (m.label) ctx.fillText(m.label, x + 3, area.top + 8);
  }
  ctx.restore();
}

/** A one-line legend above the plot area: a colour swatch and the name of each named series. */
export function drawLegend(ctx, frame, series, fg) {
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  let x = frame.area.left + 2;
  const y = 9;
  for (const s of series) {
    if (!s.name) continue;
    ctx.fillStyle = s.color;
    ctx.fillRect(x, y - 1, 10, 3);
    ctx.fillStyle = fg;
    ctx.fillText(s.name, x + 13, y);
    x += 18 + ctx.measureText(s.name).width + 6;
  }
}
