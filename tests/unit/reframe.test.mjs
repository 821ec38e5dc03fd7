// The nudge's perturbation follows the strokes when the frame moves (www/js/preprocess.js
// `reframe`): the same frame is the identity, a frame shifted by one model pixel shifts the map
// by one pixel, a frame at twice the scale samples the same drawing points, and what falls
// outside the old frame is zero.
import { test } from "node:test";
import assert from "node:assert/strict";
import { reframe } from "../../www/js/preprocess.js";

const random = (seed) => Float32Array.from({ length: 784 }, (_, i) => Math.sin(seed * 997 + i * 12.9898) % 1);
const frame = { scale: 0.1, cx: 140, cy: 140 };

test("the same frame gives the same map", () => {
  const map = random(1);
  const out = reframe(map, frame, frame);
  out.forEach((v, i) => assert.ok(Math.abs(v - map[i]) < 1e-6, `pixel ${i}`));
});

test("a frame moved by one model pixel moves the map by one pixel", () => {
  const map = random(2);
  // The drawing moved right by 10 drawing pixels = 1 model pixel at scale 0.1, so the new frame
  // centre is 10 further right and the strokes sit one model pixel further left in it.
  const moved = { ...frame, cx: frame.cx + 10 };
  const out = reframe(map, frame, moved);
  for (let j = 0; j < 28; j++) {
    for (let i = 0; i < 27; i++) assert.ok(Math.abs(out[j * 28 + i] - map[j * 28 + i + 1]) < 1e-6, `(${i}, ${j})`);
    assert.equal(out[j * 28 + 27], 0, "outside the old frame");
  }
});

test("a frame at twice the scale samples the same drawing points", () => {
  const map = new Float32Array(784);
  map[14 * 28 + 14] = 1; // the pixel just right of and below the centre
  const zoomed = { ...frame, scale: 0.2 };
  const out = reframe(map, frame, zoomed);
  // New pixel (15, 15)'s centre is drawing x = (15.5 - 14) / 0.2 + 140 = 147.5, which is old
  // u = (147.5 - 140) * 0.1 + 14 - 0.5 = 14.25 in pixel-centre units: 0.75 of the bump each way.
  assert.ok(Math.abs(out[15 * 28 + 15] - 0.75 * 0.75) < 1e-6, `${out[15 * 28 + 15]}`);
  assert.ok(out.reduce((a, b) => a + b, 0) > 1.5, "the bump spreads over more pixels when zoomed in");
});
