// The data for the training workers (www/workers/engine.js and its helper www/workers/grad.js).
// Training starts on a first slice (train10k, 1.6 MB) and grows to the whole training set (the
// official 60,000, 9.9 MB) once that has streamed in; the grown set is the whole file reordered
// to begin with the slice (wasm `Dataset.grownTo`), so a sample index names the same image
// before and after, and in both workers: each worker builds its sets from the same files by the
// same deterministic steps.
const DIR = "../data/";
export const SETS = Object.freeze({
  mnist: Object.freeze({ first: "train10k", full: "train", test: "t10k" }),
});

const file = (prefix, kind) => `${DIR}${prefix}-${kind}-idx${kind === "images" ? 3 : 1}-ubyte.gz`;

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

/** The first slice and the test set: a wasm `Dataset` (the class: each worker has its own wasm). */
export async function loadFirst(Dataset, name = "mnist") {
  const s = SETS[name];
  const [a, b, c, d] = await Promise.all(
    [file(s.first, "images"), file(s.first, "labels"), file(s.test, "images"), file(s.test, "labels")].map(fetchBytes),
  );
  return Dataset.fromIdx(a, b, c, d);
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

/** Backward-compatible: the first slice (the labs and older callers). */
export const loadDataset = (Dataset) => loadFirst(Dataset);
