// The network diagram's pixels: every node (input feature, hidden neuron, output) as a small
// heatmap of what it computes over the plane, the links between them by weight, the borders
// and names. No DOM: it paints on any 2D context (an OffscreenCanvas in the painter worker,
// workers/plane_network.js, or the page's canvas where a canvas cannot be handed to a worker),
// so the same code draws in both places. The layout (columns, rows) is shared with the page,
// which places the +/- buttons over the columns.
import { linkBin, linkStyle, paintCells } from "./colors.js";
import { featureGrid } from "./features.js";

export const NODE = 30; // px, a neuron's heatmap
const GAP = 12; // px between neurons of a column
const PAD = { left: 60, right: 24, top: 10 };

/** Column x positions (CSS px) of `count` columns (inputs, each hidden layer, the output). */
export function columns(width, count) {
  const span = width - PAD.left - PAD.right - NODE;
  return Array.from({ length: count }, (_, i) => PAD.left + (count === 1 ? 0 : (i * span) / (count - 1)));
}

function nodeY(j, count, height) {
  const column = count * NODE + (count - 1) * GAP;
  return Math.max(PAD.top, (height - column) / 2) + j * (NODE + GAP);
}

/**
 * The nodes' pixels. All of them go into one canvas-sized ImageData, put once per frame; the
 * links, borders and names are drawn over it (a link runs from a node's right edge to the next
 * node's left edge, so it never covers a node). Measured in headless Chromium: 56 offscreen
 * canvases drawn with drawImage cost ~22 ms a frame (each draw flushes its source), 56
 * putImageData calls still ~28 % of the main thread, one put a small fraction of that.
 */
class NodePixels {
  constructor() {
    this.frame = null;
    this.words = null; // the frame's pixels as 32-bit words
    this.tile = null;
    this.cells = new Int32Array(0);
    this.key = "";
  }
  /**
   * A canvas-sized ImageData, cleared or holding `base` (the links' pixels, 32-bit words of the
   * same size), and a scratch tile of `res` x `res` pixels with the grid
   * cell (of n x n) each shows. A node is `res` pixels painted at half its device size and
   * doubled on placing (TensorFlow Playground's node maps are coarser still): a quarter of the
   * colour look-ups, which were most of a frame's main-thread time.
   */
  begin(ctx, w, h, n, res, base) {
    if (!this.frame || this.frame.width !== w || this.frame.height !== h) {
      this.frame = ctx.createImageData(w, h);
      this.words = new Uint32Array(this.frame.data.buffer);
    }
    if (base) this.words.set(base);
    else this.words.fill(0);
    const key = `${n}/${res}`;
    if (this.key !== key) {
      this.key = key;
      this.tile = new Uint8ClampedArray(res * res * 4);
      this.tileWords = new Uint32Array(this.tile.buffer);
      this.cells = new Int32Array(res * res);
      for (let y = 0; y < res; y++) {
        for (let x = 0; x < res; x++) this.cells[y * res + x] = Math.floor((y * n) / res) * n + Math.floor((x * n) / res);
      }
    }
    return this.cells;
  }
  /** Copy the scratch tile, each pixel doubled, to a size x size box at device pixel (x, y), clipped. */
  place(x, y, size, res) {
    const { width, height } = this.frame;
    const words = this.words;
    const tile = this.tileWords;
    for (let row = 0; row < size; row++) {
      const fy = y + row;
      if (fy < 0 || fy >= height) continue;
      const src = Math.min(res - 1, row >> 1) * res;
      const dst = fy * width;
      for (let col = 0; col < size; col++) {
        const fx = x + col;
        if (fx >= 0 && fx < width) words[dst + fx] = tile[src + Math.min(res - 1, col >> 1)];
      }
    }
  }
}

/** Paints network pictures on one canvas, keeping its scratch buffers between frames. */
export class NetworkPainter {
  constructor() {
    this.pixels = new NodePixels();
    this.featureMaps = new Map();
    this.links = { key: "", bins: new Int8Array(0), words: null };
  }

  featureMap(name, n) {
    const key = `${name}/${n}`;
    if (!this.featureMaps.has(key)) this.featureMaps.set(key, featureGrid(name, n));
    return this.featureMaps.get(key);
  }

  /**
   * The links' pixels (`w` x `h` device pixels as 32-bit words; `layout` names where every
   * node is) when they look as they did last frame, or null
   * (the caller strokes them over the nodes). A link's look is its bin (a quarter unit of |w|,
   * by sign) and its ends, so while no weight crosses a bin, e.g. once training settles or for
   * a small network, the ~400 anti-aliased strokes (~4 ms of raster a frame, traced) are drawn
   * once, on a scratch canvas read back, not every frame. While they change every frame (a 6 x 8
   * network in full training), nothing is cached and nothing is read back: no extra cost.
   */
  cachedLinks(w, h, dpr, layout, bins, ends) {
    const last = this.links;
    const same = layout === last.key && bins.length === last.bins.length && bins.every((b, k) => b === last.bins[k]);
    if (!same) {
      this.links = { key: layout, bins, words: null };
      return null;
    }
    if (!last.words && typeof OffscreenCanvas === "function") {
      const scratch = new OffscreenCanvas(w, h);
      const ctx = scratch.getContext("2d", { willReadFrequently: true });
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      strokeLinks(ctx, bins, ends);
      last.words = new Uint32Array(ctx.getImageData(0, 0, w, h).data.buffer);
    }
    return last.words;
  }

  /**
   * Paint one frame on `canvas` (resized to `width` x `height` CSS px at `dpr` if need be):
   * `features` (names), `layers` (hidden widths), `grid` {n, outputs, output, hidden},
   * `weights` [{name, shape, data}], `fg` the text colour.
   */
  paint(canvas, { width, height, dpr, fg, features, layers, grid, weights }) {
    const w = Math.round(width * dpr);
    const h = Math.round(height * dpr);
    // Resizing clears the canvas and costs a reallocation: only when the size changed.
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px system-ui, sans-serif";
    const counts = [features.length, ...layers, 1];
    const xs = columns(width, counts.length);
    const nodeTop = (col, j) => nodeY(j, counts[col], height);
    const centre = (col, j) => [xs[col] + NODE / 2, nodeTop(col, j) + NODE / 2];

    // Links between the nodes: dense layer `col` has weight [out, in] at weights[2 * col]; each
    // runs from a node's right edge to the next node's left edge, so it covers no node.
    const bins = [];
    const ends = [];
    for (let col = 0; col + 1 < counts.length; col++) {
      const wt = weights[2 * col];
      if (!wt) continue;
      const nIn = counts[col];
      for (let o = 0; o < counts[col + 1] && o < wt.shape[0]; o++) {
        for (let i = 0; i < nIn; i++) {
          bins.push(linkBin(wt.data[o * nIn + i]));
          const [x0, y0] = centre(col, i);
          const [x1, y1] = centre(col + 1, o);
          ends.push([x0 + NODE / 2, y0, x1 - NODE / 2, y1]);
        }
      }
    }
    const base = this.cachedLinks(w, h, dpr, `${w}x${h}@${dpr}/${counts}`, Int8Array.from(bins), ends);

    // The nodes' heatmaps (over the links' pixels when they are cached), in device pixels, one put.
    const n = grid.n;
    const size = Math.round(NODE * dpr);
    const res = Math.ceil(size / 2);
    const cells = this.pixels.begin(ctx, w, h, n, res, base);
    const boxes = [];
    /** Node `j` of column `col` shows `values` ([n*n, stride], column `unit`) in `outputs` colours. */
    const tile = (values, stride, unit, outputs, col, j) => {
      paintCells(this.pixels.tile, cells, values, stride, unit, outputs);
      const x = Math.round(xs[col] * dpr);
      const y = Math.round(nodeTop(col, j) * dpr);
      this.pixels.place(x, y, size, res);
      boxes.push([x / dpr, y / dpr]);
    };
    features.forEach((name, j) => tile(this.featureMap(name, n), 1, 0, 1, 0, j));
    layers.forEach((width, h) => {
      if (grid.hidden[h]) for (let u = 0; u < width; u++) tile(grid.hidden[h], width, u, 1, h + 1, u);
    });
    const last = counts.length - 1;
    tile(grid.output, grid.outputs, 0, grid.outputs, last, 0);
    ctx.putImageData(this.pixels.frame, 0, 0);

    if (!base) strokeLinks(ctx, bins, ends);

    ctx.strokeStyle = "rgba(0,0,0,0.35)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const [x, y] of boxes) ctx.rect(x + 0.5, y + 0.5, size / dpr - 1, size / dpr - 1);
    ctx.stroke();
    ctx.fillStyle = fg;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    features.forEach((name, j) => ctx.fillText(name, xs[0] - 6, nodeTop(0, j) + NODE / 2));
    ctx.textAlign = "left";
    ctx.fillText("output", xs[last], nodeTop(last, 0) - 8);
  }
}

/**
 * Stroke the links on `ctx` (scaled to CSS px): link k has `linkBin` `bins[k]` and ends
 * `ends[k]` = [ax, ay, bx, by]. One path and one stroke per bin: ~400 separate strokes were a
 * large part of a frame.
 */
function strokeLinks(ctx, bins, ends) {
  const byBin = new Map();
  bins.forEach((bin, k) => {
    if (!byBin.has(bin)) byBin.set(bin, []);
    byBin.get(bin).push(ends[k]);
  });
  for (const [bin, links] of byBin) {
    const style = linkStyle(bin / 4);
    ctx.globalAlpha = style.alpha;
    ctx.strokeStyle = style.color;
    ctx.lineWidth = style.width;
    ctx.beginPath();
    for (const [ax, ay, bx, by] of links) {
      ctx.moveTo(ax, ay);
      ctx.bezierCurveTo((ax + bx) / 2, ay, (ax + bx) / 2, by, bx, by);
    }
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}
