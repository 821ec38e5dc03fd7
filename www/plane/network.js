// The network diagram: inputs (the chosen features), every hidden neuron and the output, each
// drawn as a small heatmap of what it computes over the plane, joined by links whose width and
// colour follow the weight (blue positive, orange negative). One canvas, redrawn each frame
// from the worker's grid outputs and weights; the +/- buttons per layer are DOM, placed over
// their column.
import { prepareCanvas } from "../js/plot/canvas.js";
import { linkBin, linkStyle, paintCells } from "./colors.js";
import { featureGrid } from "./features.js";

const NODE = 30; // px, a neuron's heatmap
const GAP = 12; // px between neurons of a column
const PAD = { left: 60, right: 24, top: 10 };

/**
 * The nodes' pixels, written straight into the network canvas with putImageData at device
 * resolution, each pixel coloured from its nearest grid cell: drawing 56 small offscreen
 * canvases with drawImage cost ~22 ms a frame in headless Chromium (each draw flushes its
 * source). One reused buffer per size, so a frame allocates nothing.
 */
class Tiles {
  constructor() {
    this.images = new Map();
    this.cells = new Int32Array(0);
    this.n = 0;
  }
  /** A size x size ImageData and, for each of its pixels, the grid cell (of n x n) it shows. */
  get(ctx, n, size) {
    let image = this.images.get(size);
    if (!image) {
      image = ctx.createImageData(size, size);
      this.images.set(size, image);
    }
    if (this.cells.length !== size * size || this.n !== n) {
      this.n = n;
      this.cells = new Int32Array(size * size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) this.cells[y * size + x] = Math.floor((y * n) / size) * n + Math.floor((x * n) / size);
      }
    }
    return { image, cells: this.cells };
  }
}

export class NetworkView {
  constructor(canvas, buttonsRow, { onWidth }) {
    this.canvas = canvas;
    // CPU-backed: the nodes are written with putImageData (a GPU-backed canvas uploads per call).
    canvas.getContext("2d", { willReadFrequently: true });
    this.buttonsRow = buttonsRow;
    this.onWidth = onWidth; // (layer, +1 | -1)
    this.tiles = new Tiles();
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
    const centre = (col, j) => [xs[col] + NODE / 2, this.nodeY(j, counts[col], height) + NODE / 2];

    // Links under the nodes: dense layer `col` has weight [out, in] at weights[2 * col]. Weights
    // are binned (a quarter unit of |w| per bin, by sign) and each bin is one path and one
    // stroke: ~400 separate strokes were a large part of a frame.
    const bins = new Map();
    for (let col = 0; col + 1 < counts.length; col++) {
      const w = weights[2 * col];
      if (!w) continue;
      const nIn = counts[col];
      for (let o = 0; o < counts[col + 1] && o < w.shape[0]; o++) {
        for (let i = 0; i < nIn; i++) {
          const key = linkBin(w.data[o * nIn + i]);
          if (!bins.has(key)) bins.set(key, []);
          bins.get(key).push(centre(col, i), centre(col + 1, o));
        }
      }
    }
    for (const [key, ends] of bins) {
      const style = linkStyle(key / 4);
      ctx.globalAlpha = style.alpha;
      ctx.strokeStyle = style.color;
      ctx.lineWidth = style.width;
      ctx.beginPath();
      for (let k = 0; k < ends.length; k += 2) {
        const [x0, y0] = ends[k];
        const [x1, y1] = ends[k + 1];
        ctx.moveTo(x0 + NODE / 2, y0);
        ctx.bezierCurveTo((x0 + x1) / 2, y0, (x0 + x1) / 2, y1, x1 - NODE / 2, y1);
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;

    const n = grid.n;
    const dpr = this.canvas.width / width;
    const size = Math.round(NODE * dpr);
    const { image, cells } = this.tiles.get(ctx, n, size);
    /** Node `j` of column `col`: `values` ([n*n, stride], column `unit`) through `outputs` colours. */
    const tile = (values, stride, unit, outputs, col, j) => {
      paintCells(image.data, cells, values, stride, unit, outputs);
      const x = Math.round(xs[col] * dpr);
      const y = Math.round(this.nodeY(j, counts[col], height) * dpr);
      // putImageData takes device pixels and ignores the context's transform.
      ctx.putImageData(image, x, y);
      ctx.strokeStyle = "rgba(0,0,0,0.35)";
      ctx.lineWidth = 1;
      ctx.strokeRect(x / dpr + 0.5, y / dpr + 0.5, size / dpr - 1, size / dpr - 1);
      return y / dpr;
    };
    ctx.fillStyle = fg;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    this.features.forEach((name, j) => {
      const y = tile(this.featureMap(name, n), 1, 0, 1, 0, j);
      ctx.fillText(name, xs[0] - 6, y + NODE / 2);
    });
    this.layers.forEach((width, h) => {
      const hidden = grid.hidden[h];
      if (!hidden) return;
      for (let u = 0; u < width; u++) tile(hidden, width, u, 1, h + 1, u);
    });
    const last = counts.length - 1;
    tile(grid.output, grid.outputs, 0, grid.outputs, last, 0);
    ctx.textAlign = "left";
    ctx.fillText("output", xs[last], this.nodeY(0, 1, height) - 8);
  }
}
