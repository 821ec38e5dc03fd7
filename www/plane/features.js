// The plane's input features as functions of a point, and their maps over the view (the small
// heatmaps in the features column and the network's input nodes). Pure; the engine computes the
// same features in src/points/features.rs.
export const EXTENT = 6;

export const FEATURE_FNS = Object.freeze({
  x1: (x1) => x1,
  x2: (_, x2) => x2,
  "x1^2": (x1) => x1 * x1,
  "x2^2": (_, x2) => x2 * x2,
  "x1*x2": (x1, x2) => x1 * x2,
  "sin(x1)": (x1) => Math.sin(x1),
  "sin(x2)": (_, x2) => Math.sin(x2),
});

/** Centre of grid cell (row, col) of an n x n grid: rows from the top (x2 = +6), as the engine's. */
export function cellCentre(row, col, n) {
  const cell = (2 * EXTENT) / n;
  return [-EXTENT + (col + 0.5) * cell, EXTENT - (row + 0.5) * cell];
}

/** Feature `name` over an n x n grid, scaled into [-1, 1] by its largest magnitude there. */
export function featureGrid(name, n) {
  const f = FEATURE_FNS[name];
  const out = new Float32Array(n * n);
  let top = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = f(...cellCentre(r, c, n));
      out[r * n + c] = v;
      top = Math.max(top, Math.abs(v));
    }
  }
  if (top > 0) for (let i = 0; i < out.length; i++) out[i] /= top;
  return out;
}

/** Plane coordinates of a pixel (px, py) in a `size` x `size` view. */
export function toPlane(px, py, size) {
  return [(px / size) * 2 * EXTENT - EXTENT, EXTENT - (py / size) * 2 * EXTENT];
}

/** Pixel coordinates of a plane point in a `size` x `size` view. */
export function toPixel(x1, x2, size) {
  return [((x1 + EXTENT) / (2 * EXTENT)) * size, ((EXTENT - x2) / (2 * EXTENT)) * size];
}
