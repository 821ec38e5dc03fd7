// The drawing pad's pointer handling (www/js/draw.js), in Node with a fake canvas and a hand-run
// animation frame: moves from pointerrawupdate are reported at once when no change was reported
// since the last frame, later ones wait for the next frame (with the oldest pen event's time
// stamp), a stroke's pointermoves are ignored once its raw updates came, and without raw updates
// pointermove draws as before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DrawPad } from "../../www/js/draw.js";

function fakeCanvas() {
  const listeners = {};
  const ctx = { clears: 0 };
  for (const op of ["beginPath", "arc", "fill", "moveTo", "lineTo", "stroke"]) ctx[op] = () => {};
  ctx.clearRect = () => ctx.clears++;
  return {
    width: 280,
    height: 280,
    style: {},
    ctx,
    getContext: () => ctx,
    addEventListener: (type, fn) => (listeners[type] = fn),
    getBoundingClientRect: () => ({ left: 0, top: 0, width: 280, height: 280 }),
    fire: (type, fields) => listeners[type]({ type, preventDefault() {}, ...fields }),
  };
}

function setup() {
  const frames = [];
  globalThis.requestAnimationFrame = (fn) => frames.push(fn);
  const canvas = fakeCanvas();
  const reports = [];
  const pad = new DrawPad(canvas, (reason, t) => reports.push({ reason, t, points: pad.strokes.flat().length }));
  const frame = () => frames.splice(0).forEach((fn) => fn());
  return { canvas, pad, reports, frame };
}

const at = (x, timeStamp, coalesced = []) => ({
  clientX: x,
  clientY: 10,
  timeStamp,
  getCoalescedEvents: () => coalesced.map(([cx, ct]) => ({ clientX: cx, clientY: 10, timeStamp: ct })),
});

test("a raw move is reported at once; the next ones in the same frame wait for it", () => {
  const { canvas, pad, reports, frame } = setup();
  canvas.fire("pointerdown", { ...at(10, 100), button: 0, pointerId: 1 });
  assert.deepEqual(reports, [{ reason: "draw", t: 100, points: 1 }]);
  frame();
  // Two pen events coalesced into one update: the latency counts from the older one.
  canvas.fire("pointerrawupdate", at(12, 104, [[11, 103], [12, 104]]));
  assert.deepEqual(reports.at(-1), { reason: "draw", t: 103, points: 3 });
  canvas.fire("pointerrawupdate", at(13, 106, [[13, 106]]));
  canvas.fire("pointerrawupdate", at(14, 108, [[14, 108]]));
  assert.equal(reports.length, 2, "a second report in the same frame waits");
  const clears = canvas.ctx.clears;
  frame();
  assert.deepEqual(reports.at(-1), { reason: "draw", t: 106, points: 5 });
  assert.equal(canvas.ctx.clears, clears + 1, "one redraw for both moves");
  // The frame-aligned pointermove repeats the raw updates: no points added twice.
  canvas.fire("pointermove", at(14, 108, [[13, 106], [14, 108]]));
  frame();
  assert.equal(pad.strokes.flat().length, 5);
  assert.equal(reports.length, 3);
  canvas.fire("pointerup", at(14, 110));
  assert.deepEqual(reports.at(-1), { reason: "stroke", t: 110, points: 5 });
});

test("without raw updates, pointermove draws", () => {
  const { canvas, pad, reports, frame } = setup();
  canvas.fire("pointerdown", { ...at(10, 100), button: 0, pointerId: 1 });
  frame();
  canvas.fire("pointermove", at(20, 116, [[15, 110], [20, 116]]));
  assert.deepEqual(reports.at(-1), { reason: "draw", t: 110, points: 3 });
  canvas.fire("pointermove", at(25, 120));
  assert.equal(reports.length, 2);
  frame();
  assert.deepEqual(reports.at(-1), { reason: "draw", t: 120, points: 4 });
  assert.equal(pad.strokes.length, 1);
});
