// The test images and labels, parsed in JavaScript for a worker that has no wasm Dataset (the
// predictor ranks test images by a unit's value, src/explain/unit.rs). The files are the ones the
// engine loads (www/workers/data.js), so an index means the same image in both workers; the
// browser's HTTP cache serves the second fetch.
import { SETS, fetchBytes, testFiles } from "./data.js";

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** An IDX file's header (big-endian magic, then one u32 per dimension) and its data. */
export function parseIdx(bytes, magic) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0) !== magic) {
    throw new Error(`not an IDX file with magic ${magic}`);
  }
  const dims = magic === IMAGES_MAGIC ? 3 : 1;
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  const start = 4 + 4 * dims;
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength < start + size) throw new Error(`IDX file cut short: ${bytes.byteLength} bytes`);
  return { shape, data: bytes.subarray(start, start + size) };
}

const loading = new Map(); // dataset name -> promise of its test set

/**
 * Dataset `name`'s test set (www/workers/data.js SETS), loaded once:
 * `{images: Float32Array(n * 784) in [0, 1], labels: Uint8Array(n), n}`.
 */
export function testSet(name = "mnist") {
  if (loading.has(name)) return loading.get(name);
  if (!Object.hasOwn(SETS, name)) return Promise.reject(new Error(`no test set for dataset '${name}'`));
  const files = testFiles(name);
  const load = (async () => {
    const [imageGz, labelGz] = await Promise.all([files.images, files.labels].map(fetchBytes));
    const images = parseIdx(await gunzip(imageGz), IMAGES_MAGIC);
    const labels = parseIdx(await gunzip(labelGz), LABELS_MAGIC);
    const n = images.shape[0];
    if (images.shape[1] * images.shape[2] !== 784 || labels.shape[0] !== n) {
      throw new Error(`test files disagree: ${images.shape} images, ${labels.shape[0]} labels`);
    }
    const floats = Float32Array.from(images.data, (b) => b / 255);
    return { images: floats, labels: labels.data, n };
  })();
  loading.set(name, load);
  load.catch(() => loading.delete(name)); // a failed fetch may succeed on the next try
  return load;
}
