// The page's MNIST-style preprocessing (www/js/preprocess.js), run in Node: no browser needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { toMnist, inkBounds, centreOfMass } from "../../www/js/preprocess.js";

const W = 280, H = 280;
function canvas(paint) {
  const ink = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) ink[y * W + x] = paint(x, y);
  return ink;
}
const sum = (a) => a.reduce((s, v) => s + v, 0);
function rowsAndCols(img) {
  const on = (v) => v > 1e-6;
  const rows = new Set(), cols = new Set();
  img.forEach((v, i) => {
    if (on(v)) {
      rows.add(Math.floor(i / 28));
      cols.add(i % 28);
    }
  });
  return { rows: rows.size, cols: cols.size };
}

test("a blank pad gives all zeros", () => {
  const out = toMnist(new Float32Array(W * H), W, H);
  assert.equal(out.length, 784);
  assert.ok(out.every((v) => v === 0));
});

test("a tall bar anywhere is centred by mass, scaled to 20 px high, aspect kept, area preserved", () => {
  // 20 px wide, 160 px tall, in the top-left corner.
  const ink = canvas((x, y) => (x >= 10 && x < 30 && y >= 5 && y < 165 ? 1 : 0));
  assert.deepEqual(inkBounds(ink, W, H), { x0: 10, y0: 5, x1: 30, y1: 165 });
  const out = toMnist(ink, W, H);
  const c = centreOfMass(out);
  assert.ok(Math.abs(c.x - 14) < 1e-3 && Math.abs(c.y - 14) < 1e-3, `centre (${c.x}, ${c.y})`);
  const scale = 20 / 160;
  // Each output pixel is an exact area mean, so total ink scales with the area.
  assert.ok(Math.abs(sum(out) - sum(ink) * scale * scale) < 1e-3, `${sum(out)} vs ${sum(ink) * scale * scale}`);
  const { rows, cols } = rowsAndCols(out);
  assert.equal(rows, 20);
  assert.ok(cols >= 3 && cols <= 4, `20 px * 1/8 = 2.5 px wide, spread over ${cols} columns`);
  assert.ok(out.every((v) => v >= 0 && v <= 1));
});

test("off-centre mass: centred by mass, but never pushed out of the frame", () => {
  // A 7-like glyph: mass near the top-right, so the box sits low-left of centre.
  const seven = canvas((x, y) => ((y >= 60 && y < 75 && x >= 80 && x < 200) || (x >= 185 && x < 200 && y >= 60 && y < 200) ? 1 : 0));
  let out = toMnist(seven, W, H);
  let c = centreOfMass(out);
  // Pixel-centre moments of an area-averaged image match the continuous ones to well under a pixel.
  assert.ok(Math.abs(c.x - 14) < 0.05 && Math.abs(c.y - 14) < 0.05, `centre (${c.x}, ${c.y})`);
  // An L with a long heavy foot: exact centring would cut the foot off; the glyph is kept whole.
  const ell = canvas((x, y) => ((x >= 100 && x < 110 && y >= 50 && y < 150) || (x >= 100 && x < 200 && y >= 140 && y < 150) ? 1 : 0));
  out = toMnist(ell, W, H);
  const scale = 20 / 100;
  assert.ok(Math.abs(sum(out) - sum(ell) * scale * scale) < 1e-3, "no ink lost");
  c = centreOfMass(out);
  // Exact centring would push the box 0.26 px past the right and top edges; it moves back that much.
  assert.ok(Math.abs(c.x - (14 - 0.263)) < 0.05 && Math.abs(c.y - (14 + 0.263)) < 0.05, `centre (${c.x}, ${c.y})`);
  const { rows, cols } = rowsAndCols(out);
  assert.ok(rows >= 20 && rows <= 21 && cols >= 20 && cols <= 21, `${rows}x${cols}`);
});

test("a small dot is scaled up smoothly (anti-aliased, not blocky)", () => {
  const ink = canvas((x, y) => ((x - 140) ** 2 + (y - 140) ** 2 <= 25 ? 1 : 0));
  const out = toMnist(ink, W, H);
  const grey = out.filter((v) => v > 0.02 && v < 0.98).length;
  assert.ok(grey > 8, `edge pixels are partial coverage, got ${grey} grey pixels`);
  const c = centreOfMass(out);
  assert.ok(Math.abs(c.x - 14) < 1e-3 && Math.abs(c.y - 14) < 1e-3);
});
