// The network diagram on the page: its canvas, the +/- buttons per layer (DOM, placed over their
// column) and who paints it. The picture itself (every neuron's heatmap, the links by weight,
// network_paint.js) is painted by a worker (workers/plane_network.js) on the canvas handed to
// it, so the page's main thread only posts each frame's numbers; where a browser cannot hand a
// canvas to a worker, the page paints it with the same code.
import { NODE, NetworkPainter, columns } from "./network_paint.js";

/**
 * A painter for `canvas` in a worker, or null where the browser cannot hand a canvas over.
 * `paint(scene)` posts a picture (copied: the page keeps its grid for redraws).
 */
function workerPainter(canvas) {
  if (typeof canvas.transferControlToOffscreen !== "function" || typeof OffscreenCanvas === "undefined") return null;
  let worker = null;
  try {
    worker = new Worker(new URL("../workers/plane_network.js", import.meta.url), { type: "module" });
    const offscreen = canvas.transferControlToOffscreen();
    worker.postMessage({ canvas: offscreen }, [offscreen]);
  } catch (e) {
    console.warn(`the network diagram is painted on the page: ${e?.message ?? e}`);
    worker?.terminate();
    return null;
  }
  return { paint: (scene) => worker.postMessage({ scene }) };
}

export class NetworkView {
  constructor(canvas, buttonsRow, { onWidth }) {
    this.canvas = canvas;
    this.buttonsRow = buttonsRow;
    this.onWidth = onWidth; // (layer, +1 | -1)
    this.features = [];
    this.layers = [];
    this.worker = workerPainter(canvas);
    this.local = this.worker ? null : new NetworkPainter();
  }

  /** Column x positions (CSS px) for inputs, each hidden layer and the output. */
  columns(width) {
    return columns(width, this.layers.length + 2);
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

  /** Draw one frame: `grid` {n, outputs, output, hidden}, `weights` [{name, shape, data}]. */
  draw(grid, weights) {
    // Read before any DOM write of the frame (main.js writes the numbers last): no forced layout.
    const scene = {
      width: this.canvas.clientWidth || 520,
      height: this.canvas.clientHeight || 420,
      dpr: window.devicePixelRatio || 1,
      fg: getComputedStyle(this.canvas).color || "#222",
      features: this.features,
      layers: this.layers,
      grid,
      weights,
    };
    if (this.worker) this.worker.paint(scene);
    else this.local.paint(this.canvas, scene);
  }
}
