// The network diagram: inputs (the chosen features), every hidden neuron and the output, each
// drawn as a small heatmap of what it computes over the plane, joined by links whose width and
// colour follow the weight (blue positive, orange negative). The nodes go on one canvas,
// redrawn each frame from the worker's grid outputs; the links on a canvas of their own under
// it, drawn by a worker (links.js); the +/- buttons per layer are DOM, placed over their column.
import { prepareCanvas } from "../js/plot/canvas.js";
import { paintCells } from "./colors.js";
import { featureGrid } from "./features.js";
import { drawLinks, linkBins, linkPainter } from "./links.js";

const NODE = 30; // px, a neuron's heatmap
const GAP = 12; // px between neurons of a column
const PAD = { left: 60, right: 24, top: 10 };

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
   * A cleared canvas-sized ImageData, and a scratch tile of `res` x `res` pixels with the grid
   * cell (of n x n) each shows. A node is `res` pixels painted at half its device size and
   * doubled on placing (TensorFlow Playground's node maps are coarser still): a quarter of the
   * colour look-ups, which were most of a frame's main-thread time.
   */
  begin(ctx, w, h, n, res) {
    if (!this.frame || this.frame.width !== w || this.frame.height !== h) {
      this.frame = ctx.createImageData(w, h);
      this.words = new Uint32Array(this.frame.data.buffer);
    } else {
      this.words.fill(0);
    }
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

export class NetworkView {
  /** `linksCanvas`: the links' own canvas, the same size as `canvas` and under it. */
  constructor(canvas, linksCanvas, buttonsRow, { onWidth }) {
    this.canvas = canvas;
    this.links = linkPainter(linksCanvas);
    if (!this.links && linksCanvas) linksCanvas.hidden = true;
    // CPU-backed: the nodes are written with putImageData (a GPU-backed canvas uploads per call).
    canvas.getContext("2d", { willReadFrequently: true });
    this.buttonsRow = buttonsRow;
    this.onWidth = onWidth; // (layer, +1 | -1)
    this.pixels = new NodePixels();
    this.features = [];
    this.layers = [];
    this.featureMaps = new Map();
  }

  /** Column x positions (CSS px) for inputs, each hidden layer and the output. */
  columns(width) {
    const count = this.layers.length + 2;
    const span = width - PAD.left - PAD.right - NODE;
    return Array.from({ length: count }, (_, i) => PAD.left + (count === 1 ? 0 : (i * span) / (count - 1)));
  }

  nodeY(j, count, height) {
    const column = count * NODE + (count - 1) * GAP;
    return Math.max(PAD.top, (height - column) / 2) + j * (NODE + GAP);
  }

  /** A new shape: rebuild the +/- buttons over each hidden column. */
  setShape(features, layers) {
    this.features = [...features];
    this.layers = [...layers];
    const row = this.buttonsRow;
    row.replaceChildren();
    const xs = this.columns(this.canvas.clientWidth || 520);
    this.layers.forEach((width, h) => {
      const pair = document.createElement("div");
      pair.className = "pair";
      pair.style.left = `${xs[h + 1] + NODE / 2}px`;
      for (const [text, delta, word] of [["+", 1, "add a neuron to"], ["−", -1, "remove a neuron from"]]) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "small";
        b.textContent = text;
        b.setAttribute("aria-label", `${word} hidden layer ${h + 1}`);
        b.disabled = (delta > 0 && width >= 8) || (delta < 0 && width <= 1);
        b.addEventListener("click", () => this.onWidth(h, delta));
        pair.append(b);
      }
      const count = document.createElement("span");
      count.className = "count";
      count.style.left = `${xs[h + 1] + NODE / 2}px`;
      count.textContent = `${width} neuron${width === 1 ? "" : "s"}`;
      row.append(pair, count);
    });
  }

  featureMap(name, n) {
    const key = `${name}/${n}`;
    if (!this.featureMaps.has(key)) this.featureMaps.set(key, featureGrid(name, n));
    return this.featureMaps.get(key);
  }

  /** Draw one frame: `grid` {n, outputs, output, hidden}, `weights` [{name, shape, data}]. */
  draw(grid, weights) {
    const { ctx, width, height, fg } = prepareCanvas(this.canvas, { width: 520, height: 420 });
    const xs = this.columns(width);
    const counts = [this.features.length, ...this.layers, 1];
    const nodeTop = (col, j) => this.nodeY(j, counts[col], height);
    const centre = (col, j) => [xs[col] + NODE / 2, nodeTop(col, j) + NODE / 2];

    // The nodes' heatmaps, in device pixels, one put.
    const n = grid.n;
    const dpr = this.canvas.width / width;
    const size = Math.round(NODE * dpr);
    const res = Math.ceil(size / 2);
    const cells = this.pixels.begin(ctx, this.canvas.width, this.canvas.height, n, res);
    const boxes = [];
    /** Node `j` of column `col` shows `values` ([n*n, stride], column `unit`) in `outputs` colours. */
    const tile = (values, stride, unit, outputs, col, j) => {
      paintCells(this.pixels.tile, cells, values, stride, unit, outputs);
      const x = Math.round(xs[col] * dpr);
      const y = Math.round(nodeTop(col, j) * dpr);
      this.pixels.place(x, y, size, res);
      boxes.push([x / dpr, y / dpr]);
    };
    this.features.forEach((name, j) => tile(this.featureMap(name, n), 1, 0, 1, 0, j));
    this.layers.forEach((w, h) => {
      if (grid.hidden[h]) for (let u = 0; u < w; u++) tile(grid.hidden[h], w, u, 1, h + 1, u);
    });
    const last = counts.length - 1;
    tile(grid.output, grid.outputs, 0, grid.outputs, last, 0);
    ctx.putImageData(this.pixels.frame, 0, 0);

    // Links between the nodes: dense layer `col` has weight [out, in] at weights[2 * col]; a
    // link runs from a node's right edge to the next node's left edge, so it covers no node.
    const values = [];
    const ends = [];
    for (let col = 0; col + 1 < counts.length; col++) {
      const w = weights[2 * col];
      if (!w) continue;
      const nIn = counts[col];
      for (let o = 0; o < counts[col + 1] && o < w.shape[0]; o++) {
        for (let i = 0; i < nIn; i++) {
          const [x0, y0] = centre(col, i);
          const [x1, y1] = centre(col + 1, o);
          values.push(w.data[o * nIn + i]);
          ends.push(x0 + NODE / 2, y0, x1 - NODE / 2, y1);
        }
      }
    }
    const bins = linkBins(values);
    const endsArray = Float32Array.from(ends);
    if (this.links) this.links.paint({ width: this.canvas.width, height: this.canvas.height, dpr, bins, ends: endsArray });
    else drawLinks(ctx, bins, endsArray);

    ctx.strokeStyle = "rgba(0,0,0,0.35)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const [x, y] of boxes) ctx.rect(x + 0.5, y + 0.5, size / dpr - 1, size / dpr - 1);
    ctx.stroke();
    ctx.fillStyle = fg;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    this.features.forEach((name, j) => ctx.fillText(name, xs[0] - 6, nodeTop(0, j) + NODE / 2));
    ctx.textAlign = "left";
    ctx.fillText("output", xs[last], nodeTop(last, 0) - 8);
  }
}
