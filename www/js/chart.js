// A small hand-rolled line chart on a canvas: several series, linear or log y, vertical markers
// (learning-rate changes). Redrawn whole on every update; cheap at these sizes.

const PAD = { left: 46, right: 10, top: 22, bottom: 22 };

function niceTicks(lo, hi, count) {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? mag * 10;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) ticks.push(v);
  return ticks;
}

function fmt(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.01) return v.toExponential(0);
  return String(+v.toPrecision(3));
}

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{logY?: boolean, yMin?: number, yMax?: number, xLabel?: string}} options
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.options = options;
    this.series = []; // {name, color, points: [[x, y]], dash?, band?: [[x, lo, hi]]}
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
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  draw() {
    const { canvas, options } = this;
    const dpr = window.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || 400, cssH = canvas.clientHeight || 200;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.font = "11px system-ui, sans-serif";
    const style = getComputedStyle(canvas);
    const fg = style.color || "#222";
    const log = !!options.logY;
    const ty = (v) => (log ? Math.log10(Math.max(v, 1e-12)) : v);

    let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
    for (const s of this.series) {
      for (const [x, lo, hi] of s.band ?? []) {
        if (!Number.isFinite(lo) || !Number.isFinite(hi) || (log && lo <= 0)) continue;
        xMin = Math.min(xMin, x);
        xMax = Math.max(xMax, x);
        yMin = Math.min(yMin, ty(lo));
        yMax = Math.max(yMax, ty(hi));
      }
      for (const [x, y] of s.points) {
        if (!Number.isFinite(y) || (log && y <= 0)) continue;
        xMin = Math.min(xMin, x);
        xMax = Math.max(xMax, x);
        yMin = Math.min(yMin, ty(y));
        yMax = Math.max(yMax, ty(y));
      }
    }
    const empty = !Number.isFinite(xMin);
    if (empty) {
      xMin = 0; xMax = 1; yMin = 0; yMax = 1;
    }
    if (options.yMin !== undefined) yMin = ty(options.yMin);
    if (options.yMax !== undefined) yMax = ty(options.yMax);
    if (xMax === xMin) xMax = xMin + 1;
    if (yMax === yMin) {
      yMax += 0.5;
      yMin -= 0.5;
    }
    if (log) {
      yMin = Math.floor(yMin);
      yMax = Math.ceil(yMax);
    }
    const W = cssW - PAD.left - PAD.right, H = cssH - PAD.top - PAD.bottom;
    const X = (x) => PAD.left + ((x - xMin) / (xMax - xMin)) * W;
    const Y = (v) => PAD.top + (1 - (v - yMin) / (yMax - yMin)) * H;

    // Axes and grid.
    ctx.strokeStyle = "rgba(128,128,128,0.25)";
    ctx.fillStyle = fg;
    ctx.lineWidth = 1;
    const yt = log
      ? Array.from({ length: yMax - yMin + 1 }, (_, i) => yMin + i)
      : niceTicks(yMin, yMax, 4);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of yt) {
      const y = Math.round(Y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + W, y);
      ctx.stroke();
      ctx.fillText(log ? `1e${v}` : fmt(v), PAD.left - 4, y);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of niceTicks(xMin, xMax, 5)) {
      ctx.fillText(fmt(v), X(v), PAD.top + H + 4);
    }
    ctx.strokeStyle = "rgba(128,128,128,0.6)";
    ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, W, H);

    // Markers (e.g. learning-rate changes).
    ctx.save();
    ctx.setLineDash([4, 3]);
    ctx.strokeStyle = "#b35c00";
    ctx.fillStyle = "#b35c00";
    ctx.textAlign = "left";
    for (const m of this.markers) {
      if (m.x < xMin || m.x > xMax) continue;
      const x = Math.round(X(m.x)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, PAD.top);
      ctx.lineTo(x, PAD.top + H);
      ctx.stroke();
      if (m.label) ctx.fillText(m.label, x + 3, PAD.top + 8);
    }
    ctx.restore();

    // Series.
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, PAD.top, W, H);
    ctx.clip();
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = s.width ?? 1.5;
      ctx.setLineDash(s.dash ?? []);
      drawBand(ctx, s, (b) => Number.isFinite(b[1]) && Number.isFinite(b[2]) && (!log || b[1] > 0), X, (v) => Y(ty(v)));
      const pts = s.points.filter(([, y]) => Number.isFinite(y) && (!log || y > 0));
      if (s.dots || pts.length === 1) {
        for (const [x, y] of pts) {
          ctx.beginPath();
          ctx.arc(X(x), Y(ty(y)), 2.5, 0, Math.PI * 2);
          ctx.fill();
        }
      }
      if (pts.length > 1) {
        // Thin very long series to about one point per pixel column.
        const stride = Math.max(1, Math.floor(pts.length / (W * 2)));
        ctx.beginPath();
        for (let i = 0; i < pts.length; i += stride) {
          const [x, y] = pts[i];
          if (i === 0) ctx.moveTo(X(x), Y(ty(y)));
          else ctx.lineTo(X(x), Y(ty(y)));
        }
        const [lx, ly] = pts[pts.length - 1];
        ctx.lineTo(X(lx), Y(ty(ly)));
        ctx.stroke();
      }
    }
    ctx.restore();

    // Legend.
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    let lx = PAD.left + 2;
    const ly = 9;
    for (const s of this.series) {
      if (!s.name) continue;
      ctx.fillStyle = s.color;
      ctx.fillRect(lx, ly - 1, 10, 3);
      ctx.fillStyle = fg;
      ctx.fillText(s.name, lx + 13, ly);
      lx += 18 + ctx.measureText(s.name).width + 6;
    }
    if (empty && this.options.emptyText) {
      ctx.fillStyle = "rgba(128,128,128,0.9)";
      ctx.textAlign = "center";
      ctx.fillText(this.options.emptyText, PAD.left + W / 2, PAD.top + H / 2);
    }
  }
}

/**
 * A series' min-max band (`series.band`: [[x, lo, hi]], a long run's summarised steps), filled
 * faintly under its line so the spread the bucket means hide stays visible.
 */
function drawBand(ctx, series, ok, X, Y) {
  const band = (series.band ?? []).filter(ok);
  if (band.length < 2) return;
  ctx.save();
  ctx.globalAlpha = 0.35;
  ctx.beginPath();
  band.forEach(([x, , hi], i) => (i ? ctx.lineTo(X(x), Y(hi)) : ctx.moveTo(X(x), Y(hi))));
  for (let i = band.length - 1; i >= 0; i--) ctx.lineTo(X(band[i][0]), Y(band[i][1]));
  ctx.closePath();
  ctx.fill();
  ctx.restore();
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
