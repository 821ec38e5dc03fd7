// The data for the training workers (www/workers/engine.js and its helper www/workers/grad.js).
// Training starts on a first slice (train10k, 1.6 MB) and grows to the whole training set (the
// official 60,000, 9.9 MB) once that has streamed in; the grown set is the whole file reordered
// to begin with the slice (wasm `Dataset.grownTo`), so a sample index names the same image
// before and after, and in both workers: each worker builds its sets from the same files by the
// same deterministic steps.
const DIR = "../data/";
// `first`: a slice to start on while `full` streams in (null: the full set is the only one).
export const SETS = Object.freeze({
  mnist: Object.freeze({ first: "train10k", full: "train", test: "t10k" }),
  fashion: Object.freeze({ first: null, full: "fashion/train", test: "fashion/t10k" }),
});
export const DATASET_NAMES = Object.freeze(Object.keys(SETS));

const file = (prefix, kind) => `${DIR}${prefix}-${kind}-idx${kind === "images" ? 3 : 1}-ubyte.gz`;

/** `name`'s test set files, for workers that read them without a wasm Dataset (test_set.js). */
export const testFiles = (name = "mnist") => ({ images: file(SETS[name].test, "images"), labels: file(SETS[name].test, "labels") });

export async function fetchBytes(path) {
  const res = await fetch(new URL(path, import.meta.url));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * `path`'s bytes, calling `onProgress(loaded, total)` as they arrive (`total`: the file's size,
 * 0 when the server does not say).
 */
export async function fetchWithProgress(path, onProgress) {
  const res = await fetch(new URL(path, import.meta.url));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  const total = Number(res.headers.get("content-length")) || 0;
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    onProgress(bytes.length, total);
    return bytes;
  }
  const reader = res.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The first slice (or, for a set without one, the whole training set, `onProgress` following
 * its images) and the test set: a wasm `Dataset` (the class: each worker has its own wasm).
 */
export async function loadFirst(Dataset, name = "mnist", onProgress = () => {}) {
  const s = SETS[name];
  if (!s) throw new Error(`unknown dataset '${name}' (${DATASET_NAMES.join(" or ")})`);
  const train = s.first ?? s.full;
  const [a, b, c, d] = await Promise.all([
    s.first ? fetchBytes(file(train, "images")) : fetchWithProgress(file(train, "images"), onProgress),
    ...[file(train, "labels"), file(s.test, "images"), file(s.test, "labels")].map(fetchBytes),
  ]);
  return Dataset.fromIdx(a, b, c, d);
}

/**
 * A cache of a worker's datasets by stage key: `mnist:first`, `mnist:full` (the first grown to
 * the whole set) and `fashion:full`, so both training workers build the same set for a key.
 */
export class DataSets {
  constructor(Dataset) {
    this.Dataset = Dataset;
    this.cache = new Map();
  }

  /** The Dataset for `key`; a failed load is forgotten, so asking again retries. */
  get(key, onProgress = () => {}) {
    if (!this.cache.has(key)) {
      const [name, stage] = key.split(":");
      if (!SETS[name] || !["first", "full"].includes(stage)) throw new Error(`unknown training set '${key}'`);
      const load =
        stage === "first" || !SETS[name].first
          ? loadFirst(this.Dataset, name, onProgress)
          : this.get(`${name}:first`).then((first) => loadFull(first, name, onProgress));
      load.catch(() => this.cache.delete(key));
      this.cache.set(key, load);
    }
    return this.cache.get(key);
  }
}

/**
 * `first` (from loadFirst) grown to the whole training set; `onProgress(loaded, total)` follows
 * the images file, the bulk of the download.
 */
export async function loadFull(first, name = "mnist", onProgress = () => {}) {
  const s = SETS[name];
  const [images, labels] = await Promise.all([
    fetchWithProgress(file(s.full, "images"), onProgress),
    fetchBytes(file(s.full, "labels")),
  ]);
  return first.grownTo(images, labels);
}

/** The first MNIST slice (the labs and older callers). */
export const loadDataset = (Dataset) => loadFirst(Dataset);
