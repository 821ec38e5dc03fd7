// The plane's network diagram, painted off the page's main thread: the page hands over the
// diagram's canvas (transferControlToOffscreen) and then posts each frame's picture (the grid
// outputs, the weights, the layout); this worker paints it (plane/network_paint.js) and the
// canvas shows it without the page's help. Traced in headless Chromium, painting it cost the
// main thread ~9 ms of CPU a frame (most of it rasterizing ~400 link strokes), more than the
// rest of the page together. Only the newest picture posted is painted: under load a backlog is
// skipped, not played out.
import { NetworkPainter } from "../plane/network_paint.js";

const painter = new NetworkPainter();
let canvas = null;
let latest = null;
let queued = false;

self.onmessage = (e) => {
  if (e.data.canvas) canvas = e.data.canvas;
  if (!e.data.scene) return;
  latest = e.data.scene;
  if (!queued) {
    queued = true;
    setTimeout(paint, 0);
  }
};

function paint() {
  queued = false;
  const scene = latest;
  latest = null;
  if (canvas && scene) painter.paint(canvas, scene);
}
