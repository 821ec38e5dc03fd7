// A per-step series with a fixed memory budget, however long the run: the last `recent` records
// exactly, and everything older as buckets of consecutive records holding each value's min, max
// and mean. When the buckets reach `buckets`, neighbours are merged pairwise, so a bucket's
// width doubles and the count halves (TensorBoard keeps a fixed reservoir per tag for the same
// reason: a page left training over lunch appended ~1e6 records, and every chart redraw, CSV and
// `state()` walked all of them). Pure: no DOM (tests/unit/history.test.mjs).
//
// A record is `{step, ...values}`; `keys` names the numeric values that are summarised, any
// other field (e.g. `epoch`) is kept from the bucket's last record. Non-finite values (a
// diverged step's loss) are left out of min/max/mean and counted in `bad`.

const DEFAULT_RECENT = 2048;
const DEFAULT_BUCKETS = 512;

export class History {
  constructor({ keys, recent = DEFAULT_RECENT, buckets = DEFAULT_BUCKETS }) {
    if (buckets < 2 || buckets % 2) throw new Error("the bucket budget must be even and at least 2");
    this.keys = keys;
    this.recentSize = recent;
    this.bucketBudget = buckets;
    this.clear();
  }

  clear() {
    this.recent = []; // the newest records, exact
    this.buckets = []; // older records, summarised, oldest first
    this.width = 1; // records per full bucket
    this.total = 0; // records appended since the last clear
  }

  get length() {
    return this.total;
  }

  append(record) {
    this.recent.push(record);
    this.total++;
    // Spill in chunks (a quarter window), so the recent array is not shifted on every append.
    if (this.recent.length >= this.recentSize + Math.max(1, this.recentSize >> 2)) {
      const old = this.recent.splice(0, this.recent.length - this.recentSize);
      for (const r of old) this.summarise(r);
    }
  }

  summarise(r) {
    let b = this.buckets[this.buckets.length - 1];
    if (!b || b.n === this.width) {
      if (this.buckets.length === this.bucketBudget) {
        this.mergePairs();
        b = this.buckets[this.buckets.length - 1];
      }
      if (!b || b.n === this.width) {
        b = newBucket(this.keys, r);
        this.buckets.push(b);
      }
    }
    b.n++;
    b.last = r;
    for (const k of this.keys) {
      const v = r[k];
      const a = b.values[k];
      if (!Number.isFinite(v)) {
        a.bad++;
        continue;
      }
      a.sum += v;
      a.count++;
      if (v < a.min) a.min = v;
      if (v > a.max) a.max = v;
    }
  }

  /** Merge buckets (0,1), (2,3)…: half as many, each twice as wide. */
  mergePairs() {
    const merged = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const a = this.buckets[i], b = this.buckets[i + 1];
      if (!b) {
        merged.push(a);
        continue;
      }
      for (const k of this.keys) {
        const x = a.values[k], y = b.values[k];
        x.sum += y.sum;
        x.count += y.count;
        x.bad += y.bad;
        x.min = Math.min(x.min, y.min);
        x.max = Math.max(x.max, y.max);
      }
      a.n += b.n;
      a.last = b.last;
      merged.push(a);
    }
    this.buckets = merged;
    this.width *= 2;
  }

  /**
   * Forget the records from `step` on (a run resumed from an earlier step branches there). A
   * bucket that began before `step` stays whole: its summary may include a few later steps.
   */
  truncate(step) {
    const keep = this.recent.filter((r) => r.step < step);
    this.total -= this.recent.length - keep.length;
    this.recent = keep;
    while (this.buckets.length && this.buckets[this.buckets.length - 1].first.step >= step) {
      this.total -= this.buckets.pop().n;
    }
  }

  last() {
    return this.recent.length ? this.recent[this.recent.length - 1] : null;
  }

  /** `[[step, value]]` over the whole run: each bucket's mean at its middle step, then every recent record. */
  points(key) {
    const out = [];
    for (const b of this.buckets) out.push([(b.first.step + b.last.step) / 2, mean(b.values[key])]);
    for (const r of this.recent) out.push([r.step, r[key]]);
    return out;
  }

  /** `[[step, min, max]]` of the buckets (the summarised part only; recent records are exact). */
  band(key) {
    return this.buckets.map((b) => [(b.first.step + b.last.step) / 2, extreme(b.values[key], "min"), extreme(b.values[key], "max")]);
  }

  /**
   * The whole run as rows: `{kind: 'mean'|'min'|'max', step (the bucket's first), lastStep, steps, record}`
   * per bucket, then `{kind: 'step', step, lastStep: step, steps: 1, record}` per recent record.
   */
  rows() {
    const out = [];
    for (const b of this.buckets) {
      for (const kind of ["mean", "min", "max"]) {
        const record = { ...b.last, step: b.first.step };
        for (const k of this.keys) record[k] = kind === "mean" ? mean(b.values[k]) : extreme(b.values[k], kind);
        out.push({ kind, step: b.first.step, lastStep: b.last.step, steps: b.n, record });
      }
    }
    for (const r of this.recent) out.push({ kind: "step", step: r.step, lastStep: r.step, steps: 1, record: r });
    return out;
  }

  /** What `state().history` reports: how the run is kept. */
  summary() {
    return {
      steps: this.total,
      firstStep: this.buckets.length ? this.buckets[0].first.step : (this.recent[0]?.step ?? null),
      recent: this.recent.length,
      buckets: this.buckets.length,
      bucketWidth: this.width,
    };
  }
}

function newBucket(keys, first) {
  const values = {};
  for (const k of keys) values[k] = { sum: 0, count: 0, bad: 0, min: Infinity, max: -Infinity };
  return { first, last: first, n: 0, values };
}

function mean(a) {
  return a.count ? a.sum / a.count : NaN;
}

/** A bucket's min or max; NaN when none of its values was finite. */
function extreme(a, kind) {
  return a.count ? a[kind] : NaN;
}
