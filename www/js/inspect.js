// "Look inside" and "Watch" renderers: activation grids, weight images, confusion matrix.
// Each takes plain data from the worker and paints canvases / tables; nothing here talks to it.

/** Paint `values` (h*w) into `img` at (ox, oy) with a colour map. */
function paintTile(img, W, values, h, w, ox, oy, colour) {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = colour(values[y * w + x]);
      const i = ((oy + y) * W + ox + x) * 4;
      img.data[i] = r;
      img.data[i + 1] = g;
      img.data[i + 2] = b;
      img.data[i + 3] = 255;
    }
  }
}

/** Grey ramp for non-negative activations scaled by `max`. */
export const greys = (max) => (v) => {
  const t = Math.max(0, Math.min(1, max > 0 ? v / max : 0));
  const c = Math.round(255 * (1 - t));
  return [c, c, c];
};

/** Diverging blue-white-red for signed values scaled by `max` (max |v|). */
export const diverging = (max) => (v) => {
  const t = Math.max(-1, Math.min(1, max > 0 ? v / max : 0));
  if (t >= 0) return [255, Math.round(255 * (1 - t)), Math.round(255 * (1 - t))];
  return [Math.round(255 * (1 + t)), Math.round(255 * (1 + t)), 255];
};

function maxAbs(data) {
  let m = 0;
  for (const v of data) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}

/**
 * Tile `n` images of h x w from `data` into a canvas, `cols` per row, 1 px gaps, upscaled by
 * CSS (image-rendering: pixelated). Returns the canvas.
 */
export function tileCanvas(data, n, h, w, cols, colour, perTile = null) {
  const rows = Math.ceil(n / cols);
  const W = cols * (w + 1) - 1, H = rows * (h + 1) - 1;
  const canvas = document.createElement("canvas");
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(W, H);
  for (let i = 0; i < img.data.length; i += 4) {
    img.data[i] = img.data[i + 1] = img.data[i + 2] = 90;
    img.data[i + 3] = 255;
  }
  for (let k = 0; k < n; k++) {
    const tile = data.subarray(k * h * w, (k + 1) * h * w);
    paintTile(img, W, tile, h, w, (k % cols) * (w + 1), Math.floor(k / cols) * (h + 1), perTile ? perTile(maxAbs(tile)) : colour);
  }
  ctx.putImageData(img, 0, 0);
  canvas.className = "pixelated";
  return canvas;
}

/** One 28x28 (or h x w) greyscale image as a small canvas, white ink on black like MNIST. */
export function imageCanvas(pixels, size = 28) {
  const c = tileCanvas(pixels, 1, size, size, 1, (v) => {
    const g = Math.round(255 * Math.max(0, Math.min(1, v)));
    return [g, g, g];
  });
  return c;
}

/** Activations `[{name, shape, data}]` -> one figure per layer (feature-map grid or unit strip). */
export function renderActivations(root, layers) {
  root.textContent = "";
  for (const layer of layers) {
    // A flatten output is the previous layer's maps in a row: nothing new to see.
    if (/flatten/.test(layer.name)) continue;
    const fig = document.createElement("figure");
    fig.className = "act";
    const cap = document.createElement("figcaption");
    cap.textContent = `${layer.name} [${layer.shape.join("×")}]`;
    const data = layer.data;
    const m = maxAbs(data);
    const signed = data.some((v) => v < 0);
    const colour = signed ? diverging(m) : greys(m);
    let canvas;
    if (layer.shape.length === 3) {
      const [c, h, w] = layer.shape;
      const cols = Math.min(c, Math.ceil(Math.sqrt(c * 2)));
      canvas = tileCanvas(data, c, h, w, cols, colour);
      const scale = Math.max(1, Math.min(4, Math.round(300 / canvas.width)));
      canvas.style.width = `${canvas.width * scale}px`;
    } else {
      // Units as a block of cells, 32 to a row, no gaps.
      const n = data.length;
      const cols = Math.min(n, 32), rows = Math.ceil(n / cols);
      const padded = new Float32Array(rows * cols);
      padded.set(data);
      canvas = tileCanvas(padded, 1, rows, cols, 1, colour);
      canvas.style.width = `${cols * 9}px`;
    }
    fig.append(cap, canvas);
    root.append(fig);
  }
}

/** First layer's weights as images: dense rows as 28x28, conv kernels as k x k. */
export function renderFirstWeights(root, param) {
  root.textContent = "";
  if (!param) return;
  const { shape, data } = param;
  const colour = diverging(maxAbs(data));
  let canvas;
  const cap = document.createElement("p");
  cap.className = "hint";
  if (shape.length === 2 && shape[1] === 784) {
    const n = Math.min(shape[0], 64);
    canvas = tileCanvas(data, n, 28, 28, 8, colour, diverging);
    canvas.style.width = "100%";
    cap.textContent = `${param.name}: ${n} of ${shape[0]} units, each one's 784 input weights as a 28×28 image (red +, blue −, each scaled to its own largest weight).`;
  } else if (shape.length === 4) {
    const [f, c, kh, kw] = shape;
    const n = Math.min(f * c, 64);
    canvas = tileCanvas(data, n, kh, kw, 8, colour, diverging);
    canvas.style.width = "min(100%, 280px)";
    cap.textContent = `${param.name}: ${n} ${kh}×${kw} kernels (red +, blue −).`;
  } else {
    cap.textContent = `${param.name} [${shape.join("×")}]: not an image-shaped layer.`;
  }
  if (canvas) root.append(canvas);
  root.append(cap);
}

/** Confusion matrix + per-class precision/recall/F1 into `root` (a div). */
/** `names`: the ten class names (www/js/classes.js); digits by default. */
export function renderConfusion(root, confusion, names = null) {
  const N = 10;
  let total = 0, correct = 0;
  const rowSum = Array(N).fill(0), colSum = Array(N).fill(0);
  let max = 0;
  for (let t = 0; t < N; t++) {
    for (let p = 0; p < N; p++) {
      const v = confusion[t * N + p];
      rowSum[t] += v;
      colSum[p] += v;
      total += v;
      if (t === p) correct += v;
      else max = Math.max(max, v);
    }
  }
  const table = document.createElement("table");
  table.className = "confusion";
  const cap = document.createElement("caption");
  cap.textContent = `rows: true ${names ? "class" : "digit"}, columns: predicted (${total} images, ${((100 * correct) / Math.max(1, total)).toFixed(2)}% correct)`;
  table.append(cap);
  const head = table.createTHead().insertRow();
  head.append(Object.assign(document.createElement("th"), { textContent: "" }));
  for (let p = 0; p < N; p++) head.append(Object.assign(document.createElement("th"), { textContent: names ? names[p] : p, scope: "col" }));
  for (const h of ["precision", "recall", "F1"]) head.append(Object.assign(document.createElement("th"), { textContent: h, scope: "col" }));
  const body = table.createTBody();
  for (let t = 0; t < N; t++) {
    const tr = body.insertRow();
    tr.append(Object.assign(document.createElement("th"), { textContent: names ? names[t] : t, scope: "row" }));
    for (let p = 0; p < N; p++) {
      const v = confusion[t * N + p];
      const td = tr.insertCell();
      td.textContent = v;
      if (t === p) td.className = "diag";
      else if (v > 0) td.style.background = `rgba(220, 60, 40, ${0.12 + 0.7 * (v / Math.max(1, max))})`;
    }
    const tp = confusion[t * N + t];
    const precision = colSum[t] ? tp / colSum[t] : 0;
    const recall = rowSum[t] ? tp / rowSum[t] : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    for (const v of [precision, recall, f1]) tr.insertCell().textContent = v.toFixed(3);
  }
  root.textContent = "";
  root.append(table);
}
