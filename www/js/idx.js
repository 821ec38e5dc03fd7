// IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/): images (magic 2051, n x 28 x
// 28 bytes) and labels (magic 2049, n bytes), big-endian headers, optionally gzip. The own
// examples go out and come back in this format, so they train in any framework. Pure, no DOM.
const IMAGE_MAGIC = 2051;
const LABEL_MAGIC = 2049;

/** `pixels`: an array of 784-byte arrays; `labels`: numbers. -> {images, labels} raw IDX bytes. */
export function packIdx(pixels, labels) {
  if (pixels.length !== labels.length) throw new Error(`${pixels.length} images for ${labels.length} labels`);
  const n = labels.length;
  const images = new Uint8Array(16 + n * 784);
  const iv = new DataView(images.buffer);
  [IMAGE_MAGIC, n, 28, 28].forEach((v, k) => iv.setUint32(4 * k, v));
  pixels.forEach((p, i) => {
    if (p.length !== 784) throw new Error(`image ${i} has ${p.length} pixels, not 784`);
    images.set(p, 16 + i * 784);
  });
  const labelBytes = new Uint8Array(8 + n);
  const lv = new DataView(labelBytes.buffer);
  lv.setUint32(0, LABEL_MAGIC);
  lv.setUint32(4, n);
  labelBytes.set(labels, 8);
  return { images, labels: labelBytes };
}

/** Raw IDX bytes -> [{label, pixels: Uint8Array(784)}]; a readable error for anything else. */
export function parseIdx(images, labels) {
  const header = (bytes, magic, name) => {
    if (bytes.length < 8) throw new Error(`the ${name} file is too short to be IDX`);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const found = v.getUint32(0);
    if (found !== magic) throw new Error(`the ${name} file is not IDX ${name} (magic ${found}, expected ${magic})`);
    return v;
  };
  const iv = header(images, IMAGE_MAGIC, "images");
  const lv = header(labels, LABEL_MAGIC, "labels");
  if (images.length < 16) throw new Error("the images file is too short to be IDX");
  const n = iv.getUint32(4);
  if (iv.getUint32(8) !== 28 || iv.getUint32(12) !== 28) throw new Error(`the images are ${iv.getUint32(8)}x${iv.getUint32(12)}, not 28x28`);
  if (lv.getUint32(4) !== n) throw new Error(`${n} images but ${lv.getUint32(4)} labels`);
  if (images.length !== 16 + n * 784 || labels.length !== 8 + n) throw new Error("the IDX files are shorter or longer than their headers say");
  const out = [];
  for (let i = 0; i < n; i++) {
    const label = labels[8 + i];
    if (label > 9) throw new Error(`label ${label} of image ${i} is not a class (0-9)`);
    out.push({ label, pixels: images.slice(16 + i * 784, 16 + (i + 1) * 784) });
  }
  return out;
}

async function through(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

export const gzip = (bytes) => through(bytes, new CompressionStream("gzip"));

/** Gunzip `bytes` when they are gzip, else return them as they are. */
export async function maybeGunzip(bytes) {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return through(bytes, new DecompressionStream("gzip"));
  return bytes;
}
