// The network diagram: inputs (the chosen features), every hidden neuron and the output, each
// drawn as a small heatmap of what it computes over the plane, joined by links whose width and
// colour follow the weight (blue positive, orange negative). One canvas, redrawn each frame
// from the worker's grid outputs and weights; the +/- buttons per layer are DOM, placed over
// their column.
import { prepareCanvas } from "../js/plot/canvas.js";
import { linkStyle, paintGrid, paintNeuron } from "./colors.js";
import { featureGrid } from "./features.js";

const NODE = 30; // px, a neuron's heatmap
const GAP = 12; // px between neurons of a column
const PAD = { left: 60, right: 24, top: 10 };

/** A reusable n x n offscreen canvas per node, so a frame allocates nothing. */
class Tiles {
  constructor() {
    this.tiles = new Map();
  }
  get(key, n) {
    let t = this.tiles.get(key);
    if (!t || t.canvas.width !== n) {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = n;
      const ctx = canvas.getContext("2d");
      t = { canvas, ctx, image: ctx.createImageData(n, n) };
      this.tiles.set(key, t);
    }
    return t;
  }
}

export class NetworkView {
  constructor(canvas, buttonsRow, { onWidth }) {
    this.canvas = canvas;
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

    // Links under the nodes: dense layer `col` has weight [out, in] at weights[2 * col].
    for (let col = 0; col + 1 < counts.length; col++) {
      const w = weights[2 * col];
      if (!w) continue;
      const nIn = counts[col];
      for (let o = 0; o < counts[col + 1] && o < w.shape[0]; o++) {
        for (let i = 0; i < nIn; i++) {
          const style = linkStyle(w.data[o * nIn + i]);
          const [x0, y0] = centre(col, i);
          const [x1, y1] = centre(col + 1, o);
          ctx.globalAlpha = style.alpha;
          ctx.strokeStyle = style.color;
          ctx.lineWidth = style.width;
          ctx.beginPath();
          ctx.moveTo(x0 + NODE / 2, y0);
          ctx.bezierCurveTo((x0 + x1) / 2, y0, (x0 + x1) / 2, y1, x1 - NODE / 2, y1);
          ctx.stroke();
        }
      }
    }
    ctx.globalAlpha = 1;

    const n = grid.n;
    const tile = (key, paint, col, j) => {
      const t = this.tiles.get(key, n);
      paint(t.image.data);
      t.ctx.putImageData(t.image, 0, 0);
      const y = this.nodeY(j, counts[col], height);
      ctx.drawImage(t.canvas, xs[col], y, NODE, NODE);
      ctx.strokeStyle = "rgba(0,0,0,0.35)";
      ctx.lineWidth = 1;
      ctx.strokeRect(xs[col] + 0.5, y + 0.5, NODE - 1, NODE - 1);
      return y;
    };
    ctx.fillStyle = fg;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    this.features.forEach((name, j) => {
      const map = this.featureMap(name, n);
      const y = tile(`f:${name}`, (px) => paintNeuron(px, map, n, 1, 0), 0, j);
      ctx.fillText(name, xs[0] - 6, y + NODE / 2);
    });
    this.layers.forEach((width, h) => {
      const hidden = grid.hidden[h];
      if (!hidden) return;
      for (let u = 0; u < width; u++) tile(`h:${h}:${u}`, (px) => paintNeuron(px, hidden, n, width, u), h + 1, u);
    });
    const last = counts.length - 1;
    tile("out", (px) => paintGrid(px, grid.output, n, grid.outputs), last, 0);
    ctx.textAlign = "left";
    ctx.fillText("output", xs[last], this.nodeY(0, 1, height) - 8);
  }
}
