// A small hand-rolled scatter plot for the labs: each axis linear or log10, labelled points,
// curves and dashed horizontal guides. Redrawn whole on every change (a handful of points).

const PAD = { left: 54, right: 14, top: 14, bottom: 38 };

function niceTicks(lo, hi, count) {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? mag * 10;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

/** Tick values for a log axis spanning [lo, hi] (log10 units): powers of ten, plus 2 and 5 when few. */
function logTicks(lo, hi) {
  // Less than a factor of two: plain ticks in value space (placed on the log axis).
  if (hi - lo < 0.3) return niceTicks(10 ** lo, 10 ** hi, 4).filter((v) => v > 0).map(Math.log10);
  const out = [];
  const span = hi - lo;
  const mults = span < 0.6 ? [1, 1.5, 2, 3, 4, 5, 6, 8] : span < 1.5 ? [1, 2, 3, 5] : span < 3 ? [1, 3] : [1];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of mults) {
      const v = Math.log10(m) + e;
      if (v >= lo - 1e-9 && v <= hi + 1e-9) out.push(v);
    }
  }
  return out;
}

export function fmtNumber(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a < 0.01) return v.toExponential(0);
  return String(+v.toPrecision(3));
}

export class ScatterPlot {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{logX?: boolean, logY?: boolean, xLabel?: string, yLabel?: string, yFormat?: (v:number)=>string,
   *          xFormat?: (v:number)=>string, emptyText?: string}} options
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.options = options;
    this.points = []; // {x, y, label?, color?}
    this.curves = []; // {points: [[x, y]], color, dash?, name?}
    this.guides = []; // {y, label, color}
    this.scheduled = false;
    new ResizeObserver(() => this.schedule()).observe(canvas);
  }

  set({ points, curves, guides }) {
    if (points) this.points = points;
    if (curves) this.curves = curves;
    if (guides) this.guides = guides;
    this.canvas.dataset.points = String(this.points.length);
    this.canvas.dataset.curves = String(this.curves.length);
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
    const { canvas, options: o } = this;
    const dpr = window.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || 400, cssH = canvas.clientHeight || 260;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.font = "11px system-ui, sans-serif";
    const fg = getComputedStyle(canvas).color || "#222";
    const tx = (v) => (o.logX ? Math.log10(Math.max(v, 1e-300)) : v);
    const ty = (v) => (o.logY ? Math.log10(Math.max(v, 1e-300)) : v);
    const ok = (x, y) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0) && (!o.logY || y > 0);

    // Ranges from the points (curves and guides follow them, clipped).
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    const take = (x, y) => {
      if (!ok(x, y)) return;
      x0 = Math.min(x0, tx(x));
      x1 = Math.max(x1, tx(x));
      y0 = Math.min(y0, ty(y));
      y1 = Math.max(y1, ty(y));
    };
    for (const p of this.points) take(p.x, p.y);
    for (const g of this.guides) {
      if (Number.isFinite(y0) && ok(1, g.y)) y0 = Math.min(y0, ty(g.y));
    }
    const empty = !Number.isFinite(x0);
    if (empty) {
      x0 = 0; x1 = 1; y0 = 0; y1 = 1;
    }
    const padRange = (lo, hi, frac, min) => {
      const span = Math.max(hi - lo, min);
      const mid = (lo + hi) / 2;
      return [mid - span * (0.5 + frac), mid + span * (0.5 + frac)];
    };
    [x0, x1] = padRange(x0, x1, 0.08, o.logX ? 0.5 : 1e-9 + Math.abs(x0) * 0.2);
    [y0, y1] = padRange(y0, y1, 0.1, o.logY ? 0.1 : 0.02);
    if (o.yMax !== undefined) y1 = Math.min(y1, ty(o.yMax));
    const W = cssW - PAD.left - PAD.right, H = cssH - PAD.top - PAD.bottom;
    const X = (v) => PAD.left + ((v - x0) / (x1 - x0)) * W;
    const Y = (v) => PAD.top + (1 - (v - y0) / (y1 - y0)) * H;

    // Grid, ticks, axis names.
    ctx.lineWidth = 1;
    ctx.fillStyle = fg;
    const xf = o.xFormat ?? fmtNumber, yf = o.yFormat ?? fmtNumber;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of o.logY ? logTicks(y0, y1) : niceTicks(y0, y1, 4)) {
      const y = Math.round(Y(v)) + 0.5;
      ctx.strokeStyle = "rgba(128,128,128,0.25)";
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + W, y);
      ctx.stroke();
      if (!empty) ctx.fillText(yf(o.logY ? 10 ** v : v), PAD.left - 4, y);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of o.logX ? logTicks(x0, x1) : niceTicks(x0, x1, 5)) {
      const x = Math.round(X(v)) + 0.5;
      ctx.strokeStyle = "rgba(128,128,128,0.25)";
      ctx.beginPath();
      ctx.moveTo(x, PAD.top);
      ctx.lineTo(x, PAD.top + H);
      ctx.stroke();
      if (!empty) ctx.fillText(xf(o.logX ? 10 ** v : v), x, PAD.top + H + 4);
    }
    ctx.strokeStyle = "rgba(128,128,128,0.6)";
    ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, W, H);
    if (o.xLabel) ctx.fillText(o.xLabel, PAD.left + W / 2, PAD.top + H + 20);
    if (o.yLabel) {
      ctx.save();
      ctx.translate(12, PAD.top + H / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle";
      ctx.fillText(o.yLabel, 0, 0);
      ctx.restore();
    }

    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, PAD.top, W, H);
    ctx.clip();
    // Guides (e.g. the irreducible loss c).
    for (const g of this.guides) {
      if (!ok(1, g.y)) continue;
      const y = Y(ty(g.y));
      ctx.setLineDash([5, 4]);
      ctx.strokeStyle = g.color ?? "#888";
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + W, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = g.color ?? "#888";
      // Left end, under the line: the curve is high there, the points crowd the right.
      ctx.textAlign = "left";
      ctx.textBaseline = "top";
      if (g.label) ctx.fillText(g.label, PAD.left + 4, Math.min(y + 2, PAD.top + H - 12));
    }
    // Curves.
    for (const c of this.curves) {
      ctx.strokeStyle = c.color;
      ctx.lineWidth = c.width ?? 2;
      ctx.setLineDash(c.dash ?? []);
      ctx.beginPath();
      let started = false;
      for (const [x, y] of c.points) {
        if (!ok(x, y)) continue;
        if (!started) ctx.moveTo(X(tx(x)), Y(ty(y)));
        else ctx.lineTo(X(tx(x)), Y(ty(y)));
        started = true;
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    // Points (and the line through them), then labels.
    const pts = this.points.filter((p) => ok(p.x, p.y));
    for (const p of pts) {
      ctx.fillStyle = p.color ?? "#2f7d4f";
      ctx.beginPath();
      ctx.arc(X(tx(p.x)), Y(ty(p.y)), 4.5, 0, Math.PI * 2);
      ctx.fill();
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    ctx.restore();
    ctx.fillStyle = fg;
    ctx.textBaseline = "bottom";
    // Labels: above-right of the point, else below-right, else the left side: the first spot that
    // overlaps no label already placed.
    const placed = [];
    const overlaps = (r) => placed.some((q) => r.x0 < q.x1 && q.x0 < r.x1 && r.y0 < q.y1 && q.y0 < r.y1);
    ctx.textAlign = "left";
    for (const p of pts) {
      if (!p.label) continue;
      const x = X(tx(p.x)), y = Y(ty(p.y));
      const w = ctx.measureText(p.label).width, h = 12;
      const spots = [
        [x + 6, y - 4 - h], [x + 6, y + 4], [x - 6 - w, y - 4 - h], [x - 6 - w, y + 4],
        [x - w / 2, y - 8 - 2 * h], [x - w / 2, y + 6 + h],
      ].map(([lx, ly]) => ({
        x0: Math.min(Math.max(lx, PAD.left + 2), PAD.left + W - w - 2),
        y0: Math.min(Math.max(ly, PAD.top + 1), PAD.top + H - h - 1),
      })).map((r) => ({ ...r, x1: r.x0 + w, y1: r.y0 + h }));
      const r = spots.find((c) => !overlaps(c)) ?? spots[0];
      placed.push(r);
      ctx.fillText(p.label, r.x0, r.y1);
    }
    if (empty && o.emptyText) {
      ctx.fillStyle = "rgba(128,128,128,0.9)";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(o.emptyText, PAD.left + W / 2, PAD.top + H / 2);
    }
  }
}
