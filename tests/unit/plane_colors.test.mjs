// The plane's colours and feature maps (www/plane/colors.js, features.js): the scales the
// heatmaps, points and links use, and the grid order shared with the engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BLUE, CLASS_COLORS, NEUTRAL, ORANGE, cellColor, diverging, linkBin, linkStyle, paintCells, paintGrid } from "../../www/plane/colors.js";
import { cellCentre, featureGrid, toPixel, toPlane } from "../../www/plane/features.js";

test("the diverging scale runs orange - grey - blue and clamps", () => {
  assert.deepEqual(diverging(-1), ORANGE);
  assert.deepEqual(diverging(0), NEUTRAL);
  assert.deepEqual(diverging(1), BLUE);
  assert.deepEqual(diverging(7), BLUE);
  assert.deepEqual(diverging(NaN), NEUTRAL);
  const half = diverging(0.5);
  for (let i = 0; i < 3; i++) assert.ok(Math.min(NEUTRAL[i], BLUE[i]) <= half[i] && half[i] <= Math.max(NEUTRAL[i], BLUE[i]));
});

test("a cell's colour follows the classes' probabilities", () => {
  assert.deepEqual(cellColor([1, 0], 2), ORANGE, "sure of class 0");
  assert.deepEqual(cellColor([0, 1], 2), BLUE, "sure of class 1");
  assert.deepEqual(cellColor([0.5, 0.5], 2), NEUTRAL, "undecided");
  assert.deepEqual(cellColor([0.05, 0.05, 0.9], 3).length, 3);
  assert.deepEqual(cellColor([0, 0, 1], 3), CLASS_COLORS[2]);
  assert.deepEqual(cellColor([0.25, 0.25, 0.25, 0.25], 4), NEUTRAL);
  assert.deepEqual(cellColor([-0.4], 1), diverging(-0.4), "a regression value");
});

test("paintGrid writes opaque RGBA per cell in grid order", () => {
  const px = paintGrid(new Uint8ClampedArray(4 * 4), [1, 0, 0, 1, 0.5, 0.5, 0, 1], 2, 2);
  assert.deepEqual([...px.slice(0, 4)], [...ORANGE, 255]);
  assert.deepEqual([...px.slice(4, 8)], [...BLUE, 255]);
  assert.deepEqual([...px.slice(8, 12)], [...NEUTRAL, 255]);
});

test("paintCells samples grid cells: a neuron's column or the output's classes", () => {
  const hidden = [-1, 1, 0, 0.5]; // 2 cells x 2 units
  const px = paintCells(new Uint8ClampedArray(3 * 4), Int32Array.from([1, 0, 1]), hidden, 2, 1, 1);
  assert.deepEqual([...px.slice(0, 4)], [...diverging(0.5), 255]);
  assert.deepEqual([...px.slice(4, 8)], [...BLUE, 255]);
  const out = paintCells(new Uint8ClampedArray(4), Int32Array.from([1]), [1, 0, 0, 1], 2, 0, 2);
  assert.deepEqual([...out], [...BLUE, 255]);
});

test("discretized, a cell shows only the decision", () => {
  const px = paintGrid(new Uint8ClampedArray(4 * 4), [0.45, 0.55, 0.9, 0.1, 0.5, 0.5, 0, 1], 2, 2, { discretize: true });
  assert.deepEqual([...px.slice(0, 4)], [...BLUE, 255]);
  assert.deepEqual([...px.slice(4, 8)], [...ORANGE, 255]);
  assert.deepEqual([...px.slice(8, 12)], [...ORANGE, 255], "a tie goes to the first class");
  assert.deepEqual([...px.slice(12, 16)], [...BLUE, 255]);
  const three = paintGrid(new Uint8ClampedArray(4), [0.3, 0.3, 0.4], 1, 3, { discretize: true });
  assert.deepEqual([...three], [...CLASS_COLORS[2], 255]);
  const value = paintGrid(new Uint8ClampedArray(16), [-0.01, 0.2, 0, 3], 2, 1, { discretize: true });
  assert.deepEqual([...value], [...ORANGE, 255, ...BLUE, 255, ...BLUE, 255, ...BLUE, 255]);
});

test("links: colour by sign, width by size", () => {
  assert.match(linkStyle(0.5).color, new RegExp(BLUE.join(",")));
  assert.match(linkStyle(-0.5).color, new RegExp(ORANGE.join(",")));
  assert.ok(linkStyle(2).width > linkStyle(0.1).width);
  assert.ok(linkStyle(1e6).width <= 8);
  // Binned links draw with their bin's style: never far from their own.
  for (const w of [-5, -1.1, -0.3, 0, 0.05, 0.6, 2.2, 3.7, 40]) {
    const own = linkStyle(w);
    const binned = linkStyle(linkBin(w) / 4);
    assert.equal(binned.color, w < -0.125 ? own.color : binned.color, String(w));
    assert.ok(Math.abs(own.width - binned.width) <= 0.26, `${w}: width ${own.width} vs ${binned.width}`);
  }
  assert.equal(linkBin(NaN), 0);
});

test("the grid runs from the top left like the engine's, and pixels map to the plane and back", () => {
  assert.deepEqual(cellCentre(0, 0, 4), [-4.5, 4.5]);
  assert.deepEqual(cellCentre(3, 3, 4), [4.5, -4.5]);
  assert.deepEqual(toPlane(0, 0, 300), [-6, 6]);
  assert.deepEqual(toPlane(150, 150, 300), [0, 0]);
  const back = toPixel(...toPlane(75, 210, 300), 300);
  assert.ok(Math.abs(back[0] - 75) < 1e-9 && Math.abs(back[1] - 210) < 1e-9, String(back));
  const x1 = featureGrid("x1", 4);
  assert.deepEqual([...x1.slice(0, 4)].map((v) => Math.round(v * 1e6) / 1e6), [-1, -0.333333, 0.333333, 1]);
  const sq = featureGrid("x2^2", 4);
  assert.equal(Math.max(...sq), 1);
});
