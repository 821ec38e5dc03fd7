// MNIST-style preprocessing of a drawing, as LeCun et al. prepared the digits:
// crop to the ink's bounding box, scale so the longer side is 20 px (aspect kept), and place it
// in 28x28 so the ink's centre of mass sits at the centre (moved no further than keeps the
// whole glyph inside the frame). Every output pixel is the exact area
// average of the source pixels it covers, so the result is anti-aliased at any scale.
// Pure functions on Float32Arrays: no DOM, so Node tests can run them.

export const SIZE = 28;
export const BOX = 20;
const INK = 0.02; // below this a source pixel counts as paper

/** Ink intensity in [0, 1] from canvas RGBA data (alpha channel: ink is drawn on a clear canvas). */
export function alphaOf(rgba, width, height) {
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4 + 3] / 255;
  return out;
}

/** Bounding box {x0, y0, x1, y1} (x1, y1 exclusive) of the ink, or null for a blank image. */
export function inkBounds(ink, width, height) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > INK) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** Mean of `ink` over the rectangle [x0, x1) x [y0, y1) with fractional pixel coverage. */
function areaMean(ink, width, height, x0, x1, y0, y1) {
  let sum = 0;
  const xa = Math.max(0, Math.floor(x0)), xb = Math.min(width, Math.ceil(x1));
  const ya = Math.max(0, Math.floor(y0)), yb = Math.min(height, Math.ceil(y1));
  for (let y = ya; y < yb; y++) {
    const wy = Math.min(y1, y + 1) - Math.max(y0, y);
    if (wy <= 0) continue;
    let row = 0;
    for (let x = xa; x < xb; x++) {
      const wx = Math.min(x1, x + 1) - Math.max(x0, x);
      if (wx > 0) row += wx * ink[y * width + x];
    }
    sum += wy * row;
  }
  return sum / ((x1 - x0) * (y1 - y0));
}

/**
 * `ink` (width*height floats in [0, 1]) -> 784 floats in [0, 1], MNIST style. A blank input
 * gives all zeros.
 */
export function toMnist(ink, width, height) {
  const out = new Float32Array(SIZE * SIZE);
  const frame = mnistFrame(ink, width, height);
  if (!frame) return out;
  const { scale, cx, cy } = frame;
  // Output pixel column j covers u in [j, j+1); u = (x - cx) * scale + 14.
  const half = SIZE / 2;
  for (let j = 0; j < SIZE; j++) {
    const y0 = (j - half) / scale + cy, y1 = (j + 1 - half) / scale + cy;
    for (let i = 0; i < SIZE; i++) {
      const x0 = (i - half) / scale + cx, x1 = (i + 1 - half) / scale + cx;
      out[j * SIZE + i] = Math.min(1, areaMean(ink, width, height, x0, x1, y0, y1));
    }
  }
  return out;
}

/**
 * Where the 28x28 frame of `toMnist` sits on the drawing: model pixel (i, j) covers drawing
 * x in [(i - 14) / scale + cx, (i + 1 - 14) / scale + cx), likewise y. Null for a blank drawing.
 * (The saliency overlay on the pad maps the model's pixels back with it.)
 */
export function mnistFrame(ink, width, height) {
  const box = inkBounds(ink, width, height);
  if (!box) return null;
  const bw = box.x1 - box.x0, bh = box.y1 - box.y0;
  const scale = BOX / Math.max(bw, bh);
  // Centre of mass of the ink (pixel centres at +0.5).
  let mass = 0, mx = 0, my = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const v = ink[y * width + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  let cx = mx / mass, cy = my / mass;
  // A lopsided glyph (a long foot) would be pushed partly out of the frame by exact centring;
  // shift it back just enough that its box stays inside the 28x28 image.
  const fit = (c, lo, hi) => {
    const u0 = (lo - c) * scale + SIZE / 2, u1 = (hi - c) * scale + SIZE / 2;
    if (u0 < 0) return c + u0 / scale;
    if (u1 > SIZE) return c + (u1 - SIZE) / scale;
    return c;
  };
  cx = fit(cx, box.x0, box.x1);
  cy = fit(cy, box.y0, box.y1);
  return { scale, cx, cy };
}

/** Centre of mass (x, y) of a 28x28 image in pixel units (pixel centres at +0.5). */
export function centreOfMass(img, size = SIZE) {
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = img[y * size + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return mass > 0 ? { x: mx / mass, y: my / mass, mass } : null;
}

/**
 * `pixels` as the model's input (a Float32Array of SIZE*SIZE values in [0, 1]), or a readable
 * error: the engine checks the same (src/cpu/inference.rs `check_image`), but refusing here
 * says which call was wrong before anything is posted to a worker.
 */
export function checkPixels(pixels, what = "an image") {
  const n = SIZE * SIZE;
  if (pixels === null || typeof pixels !== "object" || typeof pixels.length !== "number") {
    throw new Error(`${what} needs ${n} pixel values in [0, 1], got ${pixels === null ? "null" : typeof pixels}`);
  }
  if (pixels.length !== n) throw new Error(`${what} needs ${n} pixel values in [0, 1], got ${pixels.length}`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = pixels[i];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
      throw new Error(`${what}: pixel ${i} is ${typeof v === "number" ? v : JSON.stringify(v) ?? typeof v}, not a number in [0, 1]`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * A 28x28 map laid over the drawing in frame `from` (see `mnistFrame`), resampled into frame
 * `to`: the nudge's perturbation stays on the same strokes when a new stroke moves or rescales
 * the frame. Bilinear between model pixel centres; zero where `to` reaches outside `from`.
 */
export function reframe(map, from, to) {
  const out = new Float32Array(SIZE * SIZE);
  const half = SIZE / 2;
  const at = (i, j) => (i < 0 || j < 0 || i >= SIZE || j >= SIZE ? 0 : map[j * SIZE + i]);
  for (let j = 0; j < SIZE; j++) {
    // The centre of `to`'s pixel (i, j) on the drawing, then in `from`'s pixel units.
    const y = (j + 0.5 - half) / to.scale + to.cy;
    const v = (y - from.cy) * from.scale + half - 0.5;
    for (let i = 0; i < SIZE; i++) {
      const x = (i + 0.5 - half) / to.scale + to.cx;
      const u = (x - from.cx) * from.scale + half - 0.5;
      const i0 = Math.floor(u), j0 = Math.floor(v);
      const fu = u - i0, fv = v - j0;
      out[j * SIZE + i] =
        (1 - fv) * ((1 - fu) * at(i0, j0) + fu * at(i0 + 1, j0)) + fv * ((1 - fu) * at(i0, j0 + 1) + fu * at(i0 + 1, j0 + 1));
    }
  }
  return out;
}
