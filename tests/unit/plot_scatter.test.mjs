// The scatter layer's label placement (www/js/plot/scatter.js placeLabels) in Node: labels of
// crowded points do not overlap while a free spot exists, and stay inside the plot area.
import { test } from "node:test";
import assert from "node:assert/strict";
import { placeLabels } from "../../www/js/plot/scatter.js";

const area = { left: 50, top: 10, right: 450, bottom: 250 };
const overlap = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

test("a lone label sits above-right of its point", () => {
  const [r] = placeLabels([{ px: 200, py: 100, width: 30 }], area);
  assert.deepEqual(r, { x0: 206, y0: 84, x1: 236, y1: 96 });
});

test("crowded labels take other spots instead of overlapping", () => {
  const points = [0, 1, 2, 3].map((i) => ({ px: 200 + i * 3, py: 120 + i * 2, width: 40 }));
  const spots = placeLabels(points, area);
  for (let i = 0; i < spots.length; i++) {
    for (let j = 0; j < i; j++) assert.ok(!overlap(spots[i], spots[j]), `labels ${i} and ${j} overlap`);
  }
});

test("labels near the edges stay inside the area", () => {
  const spots = placeLabels([{ px: 448, py: 12, width: 60 }, { px: 52, py: 248, width: 60 }], area);
  for (const r of spots) {
    assert.ok(r.x0 >= area.left && r.x1 <= area.right, `x ${r.x0}..${r.x1}`);
    assert.ok(r.y0 >= area.top && r.y1 <= area.bottom, `y ${r.y0}..${r.y1}`);
  }
});
