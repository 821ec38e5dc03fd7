// The bounded per-step history (www/js/history.js): fixed memory however many records, the whole
// run still covered (first and last step), bucket min/max/mean exact, the recent window exact.
import { test } from "node:test";
import assert from "node:assert/strict";
import { History } from "../../www/js/history.js";

// A value that is not monotone, so min/max/mean of a bucket are three different numbers.
const value = (i) => Math.sin(i * 0.37) * 3 + (i % 7);
const record = (i) => ({ step: i, epoch: Math.floor(i / 100), loss: value(i), lr: 1e-3 });

test("memory stays fixed after 1e6 appends: recent window and bucket count bounded", () => {
  const h = new History({ keys: ["loss", "lr"], recent: 256, buckets: 64 });
  let maxRecent = 0, maxBuckets = 0;
  for (let i = 0; i < 1_000_000; i++) {
    h.append(record(i));
    maxRecent = Math.max(maxRecent, h.recent.length);
    maxBuckets = Math.max(maxBuckets, h.buckets.length);
  }
  assert.equal(h.length, 1_000_000);
  assert.ok(maxRecent <= 256 + 64, `recent window bounded: ${maxRecent}`);
  assert.ok(maxBuckets <= 64, `buckets bounded: ${maxBuckets}`);
  assert.ok(h.points("loss").length <= 64 + 320, "a chart's points are bounded too");
  assert.ok(h.rows().length <= 3 * 64 + 320, "the CSV's rows are bounded too");
  // Bucket width is a power of two that covers the summarised part.
  const summarised = h.buckets.reduce((a, b) => a + b.n, 0);
  assert.equal(summarised + h.recent.length, 1_000_000, "every record is counted once");
  assert.ok(h.width >= summarised / 64 && Number.isInteger(Math.log2(h.width)));
});

test("whole-run coverage: the first and the last step are present, buckets are contiguous", () => {
  const h = new History({ keys: ["loss"], recent: 100, buckets: 16 });
  for (let i = 0; i < 12_345; i++) h.append(record(i));
  const rows = h.rows();
  assert.equal(rows[0].step, 0, "the first step opens the first bucket");
  assert.equal(rows.at(-1).step, 12_344, "the last step is the last exact record");
  let next = 0;
  for (const r of rows.filter((r) => r.kind === "mean" || r.kind === "step")) {
    assert.equal(r.step, next, "no step is skipped or repeated");
    next = r.lastStep + 1;
    assert.equal(r.lastStep - r.step + 1, r.steps);
  }
  assert.equal(h.summary().firstStep, 0);
  assert.equal(h.summary().steps, 12_345);
});

test("each bucket's min, max and mean equal those of the records it summarises", () => {
  const h = new History({ keys: ["loss", "lr"], recent: 50, buckets: 8 });
  const n = 3_001;
  for (let i = 0; i < n; i++) h.append(record(i));
  const rows = h.rows().filter((r) => r.kind !== "step");
  assert.ok(rows.length > 0 && h.width > 1, "some merging happened");
  for (let i = 0; i < rows.length; i += 3) {
    const [m, lo, hi] = rows.slice(i, i + 3);
    assert.deepEqual([m.kind, lo.kind, hi.kind], ["mean", "min", "max"]);
    const xs = [];
    for (let s = m.step; s <= m.lastStep; s++) xs.push(value(s));
    const exactMean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(m.record.loss - exactMean) < 1e-9, `mean of ${m.step}..${m.lastStep}`);
    assert.equal(lo.record.loss, Math.min(...xs));
    assert.equal(hi.record.loss, Math.max(...xs));
    assert.equal(m.record.epoch, Math.floor(m.lastStep / 100), "other fields come from the bucket's last record");
  }
  const band = h.band("loss");
  assert.equal(band.length, rows.length / 3);
  assert.equal(band[0][1], rows[1].record.loss);
});

test("the recent window is exact and holds the newest records", () => {
  const h = new History({ keys: ["loss"], recent: 64, buckets: 8 });
  for (let i = 0; i < 1000; i++) h.append(record(i));
  assert.ok(h.recent.length >= 64);
  h.recent.forEach((r, j) => assert.deepEqual(r, record(1000 - h.recent.length + j)));
  assert.deepEqual(h.last(), record(999));
  const pts = h.points("loss");
  assert.deepEqual(pts.slice(-64), h.recent.slice(-64).map((r) => [r.step, r.loss]));
});

test("a short run is all exact; non-finite values are left out of a bucket's stats", () => {
  const short = new History({ keys: ["loss"], recent: 100, buckets: 4 });
  for (let i = 0; i < 30; i++) short.append(record(i));
  assert.equal(short.buckets.length, 0);
  assert.deepEqual(short.points("loss"), Array.from({ length: 30 }, (_, i) => [i, value(i)]));
  const h = new History({ keys: ["loss"], recent: 4, buckets: 4 });
  h.append({ step: 0, loss: NaN });
  h.append({ step: 1, loss: 2 });
  h.append({ step: 2, loss: 4 });
  for (let i = 3; i < 12; i++) h.append({ step: i, loss: 1 });
  const first = h.buckets[0].values.loss;
  assert.equal(first.bad, 1);
  const rows = h.rows();
  assert.ok(Number.isFinite(rows[0].record.loss), "a NaN does not poison the mean");
  h.clear();
  assert.equal(h.length, 0);
  assert.deepEqual(h.points("loss"), []);
  assert.throws(() => new History({ keys: [], buckets: 3 }), /even/);
});

test("truncate forgets the records from a step on (a resumed run branches there)", () => {
  const h = new History({ keys: ["loss"], recent: 8, buckets: 4 });
  for (let step = 0; step < 30; step++) h.append({ step, loss: step });
  h.truncate(25);
  assert.equal(h.last().step, 24);
  assert.ok(h.recent.every((r) => r.step < 25));
  assert.equal(h.length, 25);
  h.truncate(3);
  // The recent window held only later steps; buckets begun from step 3 on are gone, the one
  // begun before stays whole, and the count follows.
  assert.equal(h.recent.length, 0);
  assert.ok(h.buckets.length > 0 && h.buckets.every((b) => b.first.step < 3), JSON.stringify(h.buckets.map((b) => b.first.step)));
  assert.equal(h.length, h.buckets.reduce((n, b) => n + b.n, 0));
  h.append({ step: 3, loss: 1 });
  assert.equal(h.last().step, 3);
});
