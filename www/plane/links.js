// The network's links: every link between two neurons drawn by its weight's bin (blue positive,
// orange negative, wider and stronger when larger; colors.js `linkBin`/`linkStyle`). Where the
// browser can hand a canvas to a worker (OffscreenCanvas), they are drawn there
// (workers/plane_links.js), on a canvas of their own under the node maps, and only when a bin
// or the layout changed: traced in headless Chromium, rasterizing ~400 anti-aliased Bézier
// strokes cost ~5 ms of the main thread every frame, more than all of its script. Elsewhere
// they are drawn over the node maps, on the page, every frame.
import { linkBin, linkStyle } from "./colors.js";

/**
 * Stroke the links on `ctx` (already scaled to CSS pixels): `bins[k]` is link k's `linkBin`,
 * `ends` its two ends as `[ax, ay, bx, by]` at `ends[4k..]` (CSS pixels), from one node's right
 * edge to the next column's left edge. One path and one stroke per bin: ~400 separate strokes
 * were a large part of a frame.
 */
export function drawLinks(ctx, bins, ends) {
  const byBin = new Map();
  bins.forEach((bin, k) => {
    if (!byBin.has(bin)) byBin.set(bin, []);
    byBin.get(bin).push(k);
  });
  for (const [bin, links] of byBin) {
    const style = linkStyle(bin / 4);
    ctx.globalAlpha = style.alpha;
    ctx.strokeStyle = style.color;
    ctx.lineWidth = style.width;
    ctx.beginPath();
    for (const k of links) {
      const [ax, ay, bx, by] = ends.subarray(4 * k, 4 * k + 4);
      ctx.moveTo(ax, ay);
      ctx.bezierCurveTo((ax + bx) / 2, ay, (ax + bx) / 2, by, bx, by);
    }
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}

/**
 * The links' painter for `canvas` (a canvas of their own, laid under the nodes' one): a worker
 * that owns it, or null where the browser cannot hand a canvas to a worker (the caller then
 * draws the links itself with `drawLinks`). `paint({width, height, dpr, bins, ends})` (device
 * size) redraws them if anything changed since the last call.
 */
export function linkPainter(canvas) {
  if (!canvas || typeof canvas.transferControlToOffscreen !== "function") return null;
  let worker;
  try {
    worker = new Worker(new URL("../workers/plane_links.js", import.meta.url), { type: "module" });
    const offscreen = canvas.transferControlToOffscreen();
    worker.postMessage({ canvas: offscreen }, [offscreen]);
  } catch (e) {
    console.warn(`the links are drawn on the page: ${e?.message ?? e}`);
    worker?.terminate();
    return null;
  }
  let last = { key: "", bins: new Int8Array(0) };
  return {
    paint({ width, height, dpr, bins, ends }) {
      const key = `${width}x${height}@${dpr}/${ends.join(",")}`;
      if (key === last.key && sameBins(bins, last.bins)) return;
      last = { key, bins };
      worker.postMessage({ width, height, dpr, bins, ends });
    },
  };
}

/** Each weight's `linkBin`. */
export const linkBins = (weights) => Int8Array.from(weights, linkBin);

function sameBins(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
