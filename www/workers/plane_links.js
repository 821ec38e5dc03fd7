// The plane's network links, drawn off the page's main thread: the page hands over the links'
// own canvas (an OffscreenCanvas laid under the node maps) and then posts the links whenever a
// weight's bin or the layout changes (plane/links.js). Only the newest posted picture is drawn:
// under load, a backlog is skipped, not played out.
import { drawLinks } from "../plane/links.js";

let canvas = null;
let latest = null;
let queued = false;

self.onmessage = (e) => {
  if (e.data.canvas) canvas = e.data.canvas;
  if (!e.data.bins) return;
  latest = e.data;
  if (!queued) {
    queued = true;
    setTimeout(paint, 0);
  }
};

function paint() {
  queued = false;
  const m = latest;
  latest = null;
  if (!canvas || !m) return;
  if (canvas.width !== m.width || canvas.height !== m.height) {
    canvas.width = m.width;
    canvas.height = m.height;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, m.width, m.height);
  ctx.setTransform(m.dpr, 0, 0, m.dpr, 0, 0);
  drawLinks(ctx, m.bins, m.ends);
}
