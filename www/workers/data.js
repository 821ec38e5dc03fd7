// MNIST for the training workers (www/workers/engine.js and its helper www/workers/grad.js): both
// parse the same files, so a sample index means the same image in either wasm instance.
const DATA = {
  trainImages: "../data/train10k-images-idx3-ubyte.gz",
  trainLabels: "../data/train10k-labels-idx1-ubyte.gz",
  testImages: "../data/t10k-images-idx3-ubyte.gz",
  testLabels: "../data/t10k-labels-idx1-ubyte.gz",
};

/** The test set's files, for workers that read them without a wasm Dataset (test_set.js). */
export const TEST_FILES = { images: DATA.testImages, labels: DATA.testLabels };

export async function fetchBytes(path) {
  const res = await fetch(new URL(path, import.meta.url));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A wasm `Dataset` (the class is passed in: each worker has its own wasm instance). */
export async function loadDataset(Dataset) {
  const [a, b, c, d] = await Promise.all(
    [DATA.trainImages, DATA.trainLabels, DATA.testImages, DATA.testLabels].map(fetchBytes),
  );
  return Dataset.fromIdx(a, b, c, d);
}
