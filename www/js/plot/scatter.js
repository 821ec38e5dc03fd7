// The labs' layers: labelled points, curves and dashed horizontal guides, each axis linear or
// log. Each draws inside a frame from canvas.js; `axes = {logX, logY}` converts values to axis
// units, and only points plottable on both axes are drawn.
import { plottable, toAxis } from "./scale.js";

const POINT = "#2f7d4f";
const GUIDE = "#888";

/** A function mapping a value pair to canvas pixels, or null when it cannot be plotted. */
function placer(frame, { logX = false, logY = false }) {
  return (x, y) =>
    plottable(x, logX) && plottable(y, logY) ? [frame.X(toAxis(x, logX)), frame.Y(toAxis(y, logY))] : null;
}

/** Dashed horizontal lines `{y, label?, color?}` across the plot (e.g. the irreducible loss c). */
export function drawGuides(ctx, frame, guides, axes) {
  const { area } = frame;
  for (const g of guides) {
    if (!plottable(g.y, axes.logY)) continue;
    const y = frame.Y(toAxis(g.y, axes.logY));
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = g.color ?? GUIDE;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(area.left, y);
    ctx.lineTo(area.right, y);
    ctx.stroke();
    ctx.setLineDash([]);
    if (!g.label) continue;
    // Left end, under the line: the curve is high there, the points crowd the right.
    ctx.fillStyle = g.color ?? GUIDE;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(g.label, area.left + 4, Math.min(y + 2, area.bottom - 12));
  }
}

/** Polylines `{points: [[x, y]], color, width?, dash?}`, skipping values the axes cannot show. */
export function drawCurves(ctx, frame, curves, axes) {
  const at = placer(frame, axes);
  for (const c of curves) {
    ctx.strokeStyle = c.color;
    ctx.lineWidth = c.width ?? 2;
    ctx.setLineDash(c.dash ?? []);
    ctx.beginPath();
    let started = false;
    for (const [x, y] of c.points) {
      const p = at(x, y);
      if (!p) continue;
      if (started) ctx.lineTo(...p);
      else ctx.moveTo(...p);
      started = true;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/** Points `{x, y, color?}` as white-ringed dots; returns the drawn ones with their pixel spot. */
export function drawPoints(ctx, frame, points, axes) {
  const at = placer(frame, axes);
  const drawn = [];
  for (const p of points) {
    const spot = at(p.x, p.y);
    if (!spot) continue;
    ctx.fillStyle = p.color ?? POINT;
    ctx.beginPath();
    ctx.arc(spot[0], spot[1], 4.5, 0, Math.PI * 2);
    ctx.fill();
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 1;
    ctx.stroke();
    drawn.push({ ...p, px: spot[0], py: spot[1] });
  }
  return drawn;
}

/**
 * Label rectangles for `points` ({px, py, width}): above-right of the point, else below-right,
 * else the left side, else centred above or below: the first spot that overlaps no label
 * already placed, kept inside `area`. Pure (no canvas), so it is unit-testable.
 */
export function placeLabels(points, area, height = 12) {
  const placed = [];
  const overlaps = (r) => placed.some((q) => r.x0 < q.x1 && q.x0 < r.x1 && r.y0 < q.y1 && q.y0 < r.y1);
  for (const { px: x, py: y, width: w } of points) {
    const spots = [
      [x + 6, y - 4 - height], [x + 6, y + 4], [x - 6 - w, y - 4 - height], [x - 6 - w, y + 4],
      [x - w / 2, y - 8 - 2 * height], [x - w / 2, y + 6 + height],
    ].map(([lx, ly]) => {
      const x0 = Math.min(Math.max(lx, area.left + 2), area.right - w - 2);
      const y0 = Math.min(Math.max(ly, area.top + 1), area.bottom - height - 1);
      return { x0, y0, x1: x0 + w, y1: y0 + height };
    });
    placed.push(spots.find((r) => !overlaps(r)) ?? spots[0]);
  }
  return placed;
}

/** The labels of drawn points (from drawPoints), placed so they do not overlap each other. */
export function drawPointLabels(ctx, frame, drawn, fg) {
  const labelled = drawn.filter((p) => p.label).map((p) => ({ ...p, width: ctx.measureText(p.label).width }));
  const spots = placeLabels(labelled, frame.area);
  ctx.fillStyle = fg;
  ctx.textAlign = "left";
  ctx.textBaseline = "bottom";
  labelled.forEach((p, i) => ctx.fillText(p.label, spots[i].x0, spots[i].y1));
}
