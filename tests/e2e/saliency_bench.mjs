// Time to an explanation (not a test: speed is never asserted). Loads the page's wasm package in
// Node, the shipped CNN (www/models/cnn.safetensors) and the first ten confident t10k digits,
// and prints the median time of each saliency method and of the adversarial nudge to the next
// class ((label + 1) % 10, maxEps 0.3), with the budget each nudge needed:
//   node tests/e2e/saliency_bench.mjs
// This is the predictor worker's code path (the wasm `Model`), without the worker hop.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { initSync, Model } from "../../www/pkg/gradient_garden.js";

const root = new URL("../../www/", import.meta.url);
initSync({ module: readFileSync(new URL("pkg/gradient_garden_bg.wasm", root)) });
const model = Model.fromSafetensors(readFileSync(new URL("models/cnn.safetensors", root)));
const images = gunzipSync(readFileSync(new URL("data/t10k-images-idx3-ubyte.gz", root))).subarray(16);
const labels = gunzipSync(readFileSync(new URL("data/t10k-labels-idx1-ubyte.gz", root))).subarray(8);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (f) => {
  const t = performance.now();
  const r = f();
  return [performance.now() - t, r];
};

const digits = [];
for (let i = 0; digits.length < 10; i++) {
  const pixels = Float32Array.from(images.subarray(i * 784, (i + 1) * 784), (b) => b / 255);
  const p = model.predict(pixels);
  if (p[labels[i]] >= 0.95) digits.push({ index: i, label: labels[i], pixels });
}
model.saliency(digits[0].pixels, "gradient"); // warm-up
for (const method of ["gradient", "smoothgrad", "integrated"]) {
  const ms = digits.map((d) => time(() => model.saliency(d.pixels, method))[0]);
  console.log(`saliency ${method}: median ${median(ms).toFixed(1)} ms over ${ms.length} digits`);
}
const nudges = digits.map((d) => {
  const target = (d.label + 1) % 10;
  const [ms, r] = time(() => model.adversarial(d.pixels, target, 0.3));
  return { ...d, target, ms, r };
});
console.log(`adversarial: median ${median(nudges.map((n) => n.ms)).toFixed(0)} ms`);
for (const n of nudges) {
  const p = n.r.probabilities;
  console.log(`  t10k #${n.index} ${n.label} -> ${n.target}: ${n.r.success ? "ok" : "FAILED"}, eps ${n.r.eps.toFixed(4)} (${Math.round(255 * n.r.eps)}/255), p[target] ${(100 * p[n.target]).toFixed(1)}%, ${n.ms.toFixed(0)} ms`);
}
