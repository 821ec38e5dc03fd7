// The compression lab in the page: int8 of the shipped CNN on a few hundred test images shows
// its accuracy and its byte count (checked here against the rule, from the file's own header);
// a drawn digit gets the original's and the compressed model's probabilities side by side; the
// compressed model downloads as a readable int8 file; a corrupt file gives a message and the page
// keeps working.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { WWW_DIR } from "./harness.mjs";
import { openLabs, screenshot, stroke, until } from "./labs_helpers.mjs";

/** The tensors of a .safetensors file: {name: {dtype, shape}}. */
function header(bytes) {
  const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const h = JSON.parse(Buffer.from(bytes).subarray(8, 8 + n).toString("utf8"));
  delete h.__metadata__;
  return h;
}
const numel = (shape) => shape.reduce((a, b) => a * b, 1);

/** The int8 byte rule (src/labs/int8.rs): 1 per weight, 4 per output-channel scale, 4 per bias. */
function expectedInt8Bytes(tensors) {
  let bytes = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name.endsWith(".weight")) bytes += numel(t.shape) + 4 * t.shape[0];
    else bytes += 4 * numel(t.shape);
  }
  return bytes;
}

const probsShown = (page, id) =>
  page.$$eval(`#${id} .pct`, (els) => els.map((e) => parseFloat(e.textContent) / 100));

test("int8 on a small limit fills the table; a drawn digit shows both models; export and bad files", async () => {
  const app = await openLabs();
  try {
    const { page } = app;
    const cnn = header(readFileSync(join(WWW_DIR, "models/cnn.safetensors")));
    assert.match(await page.textContent("#model-name"), /pretrained CNN/);

    for (const box of await page.$$("#settings input")) await box.uncheck();
    await page.check('#settings input[value="f32"]');
    await page.check('#settings input[value="int8"]');
    await page.selectOption("#limit", "500");
    await page.click("#compress-start");
    await until(page, () => /^Done/.test(document.getElementById("compress-progress").textContent));

    const rows = await page.$$eval("#compress-table tbody tr", (trs) =>
      trs.map((tr) => [...tr.children].map((td) => td.textContent)),
    );
    assert.equal(rows.length, 2);
    const [f32, int8] = rows;
    assert.equal(f32[0], "f32");
    assert.equal(int8[0], "int8");
    const num = (s) => Number(s.replace(/[,%×]/g, ""));
    const f32Params = Object.values(cnn).reduce((a, t) => a + numel(t.shape), 0);
    assert.equal(num(f32[1]), 4 * f32Params, "f32 bytes are 4 per number");
    assert.equal(num(int8[1]), expectedInt8Bytes(cnn), "int8 bytes follow the stated rule");
    assert.equal(num(int8[6]), 500);
    const accF32 = num(f32[4]) / 100, accInt8 = num(int8[4]) / 100;
    assert.ok(accF32 > 0.9, `the pretrained CNN scores ${accF32}`);
    assert.ok(Math.abs(accInt8 - accF32) < 0.02, `int8 ${accInt8} vs f32 ${accF32}`);
    assert.equal(await page.getAttribute("#compress-chart", "data-points"), "2");

    // Draw a 1; compare against int8.
    await page.selectOption("#compare", "int8");
    await stroke(page, [[0.5, 0.15], [0.52, 0.85]]);
    await until(page, () => document.getElementById("pred-compressed").textContent !== "–");
    await until(page, () => window.labs.state.lastPrediction);
    const original = await probsShown(page, "probs-original");
    const compressed = await probsShown(page, "probs-compressed");
    for (const p of [original, compressed]) {
      assert.equal(p.length, 10);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 0.01, `shown probabilities sum to 1: ${p}`);
    }
    const { original: po, compressed: pc } = await page.evaluate(() => window.labs.state.lastPrediction);
    assert.notDeepEqual(po, pc, "the int8 model computes its own probabilities");
    const argmax = (p) => p.indexOf(Math.max(...p));
    assert.equal(argmax(pc), argmax(po), "int8 agrees with the original on a clear digit");
    assert.equal(await page.textContent("#pred-original"), String(argmax(po)));

    // A different setting gives a different compressed answer for the same drawing.
    await page.selectOption("#compare", "prune:0.9");
    await until(page, (before) => {
      const p = window.labs.state.lastPrediction;
      return p && JSON.stringify(p.compressed) !== before;
    }, JSON.stringify(pc));
    await screenshot(page, "labs_compress_page.png", { fullPage: true });

    // Export the int8 model: an int8 file with the scales, about a quarter of the f32 size.
    await page.selectOption("#compare", "int8");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
    assert.match(download.suggestedFilename(), /int8\.safetensors$/);
    const file = readFileSync(await download.path());
    const exported = header(file);
    assert.equal(exported["0.weight"].dtype, "I8");
    assert.ok(Object.keys(exported).some((k) => k.endsWith(".scale")), Object.keys(exported).join(","));
    assert.ok(file.length < (4 * f32Params) / 3, `int8 file ${file.length} bytes`);

    // A corrupt file: a message, the model stays, the pad still predicts.
    await page.setInputFiles("#load-model", {
      name: "broken.safetensors",
      mimeType: "application/octet-stream",
      buffer: Buffer.from("this is not a safetensors file at all"),
    });
    await until(page, () => !document.getElementById("message").hidden);
    assert.match(await page.textContent("#message-text"), /broken\.safetensors was not loaded/);
    assert.match(await page.textContent("#model-name"), /pretrained CNN/);
    await page.click("#clear");
    await until(page, () => document.getElementById("pred-original").textContent === "–");
    await stroke(page, [[0.5, 0.15], [0.52, 0.85]]);
    await until(page, () => /^[0-9]$/.test(document.getElementById("pred-original").textContent));

    // The exported int8 file is not a float model: named as such when loaded back.
    await page.setInputFiles("#load-model", { name: "back.safetensors", mimeType: "application/octet-stream", buffer: file });
    await until(page, () => /back\.safetensors/.test(document.getElementById("message-text").textContent));
    assert.match(await page.textContent("#message-text"), /int8 file exported by the lab/);
    app.check();
  } finally {
    await app.close();
  }
});

/** A 784-16-10 MLP .safetensors with fixed pseudo-random weights, and the weights themselves. */
function mlpFile() {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2;
  const tensors = [
    ["0.bias", [16]],
    ["0.weight", [16, 784]],
    ["2.bias", [10]],
    ["2.weight", [10, 16]],
  ].map(([name, shape]) => ({ name, shape, data: Float32Array.from({ length: numel(shape) }, rand) }));
  const spec = { input: [784], layers: [{ type: "dense", units: 16 }, { type: "relu" }, { type: "dense", units: 10 }], loss: "softmax_cross_entropy" };
  const head = { __metadata__: { "gradient_garden.spec": JSON.stringify(spec), format: "pt" } };
  let offset = 0;
  for (const t of tensors) {
    head[t.name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(head);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const bytes = Buffer.concat([len, Buffer.from(json), ...tensors.map((t) => Buffer.from(t.data.buffer))]);
  return { bytes, w: Object.fromEntries(tensors.map((t) => [t.name, t.data])) };
}

/** The first `n` t10k images (pixel/255) and labels, read here, independently of the engine. */
function testSet(n) {
  const images = gunzipSync(readFileSync(join(WWW_DIR, "data/t10k-images-idx3-ubyte.gz")));
  const labels = gunzipSync(readFileSync(join(WWW_DIR, "data/t10k-labels-idx1-ubyte.gz")));
  return Array.from({ length: n }, (_, i) => ({
    x: Float32Array.from(images.subarray(16 + i * 784, 16 + (i + 1) * 784), (v) => v / 255),
    y: labels[8 + i],
  }));
}

test("a loaded model is compressed and measured: f32 accuracy matches a forward pass done here", async () => {
  const { bytes, w } = mlpFile();
  // The MLP's accuracy on the first 500 test images, computed in Node.
  let correct = 0;
  for (const { x, y } of testSet(500)) {
    const h = Array.from({ length: 16 }, (_, j) => {
      let s = w["0.bias"][j];
      for (let i = 0; i < 784; i++) s += w["0.weight"][j * 784 + i] * x[i];
      return Math.max(0, s);
    });
    const out = Array.from({ length: 10 }, (_, k) => h.reduce((s, v, j) => s + v * w["2.weight"][k * 16 + j], w["2.bias"][k]));
    correct += out.indexOf(Math.max(...out)) === y ? 1 : 0;
  }
  const app = await openLabs();
  try {
    const { page } = app;
    await page.setInputFiles("#load-model", { name: "tiny-mlp.safetensors", mimeType: "application/octet-stream", buffer: bytes });
    await until(page, () => /tiny-mlp/.test(document.getElementById("model-name").textContent));
    for (const box of await page.$$("#settings input")) await box.uncheck();
    for (const v of ["f32", "int8", "prune:0.5"]) await page.check(`#settings input[value="${v}"]`);
    await page.selectOption("#limit", "500");
    await page.click("#compress-start");
    await until(page, () => /^Done/.test(document.getElementById("compress-progress").textContent));
    const rows = await page.evaluate(() => window.labs.state.rows);
    assert.deepEqual(rows.map((r) => r.label), ["f32", "int8", "prune 50%"]);
    const params = 16 * 784 + 16 + 10 * 16 + 10;
    assert.equal(rows[0].bytes, 4 * params);
    assert.equal(rows[1].bytes, 16 * 784 + 10 * 16 + 4 * (16 + 10) + 4 * (16 + 10));
    assert.ok(Math.abs(rows[0].accuracy * 500 - correct) <= 1, `page ${rows[0].accuracy * 500} vs here ${correct} of 500`);
    assert.ok(Math.abs(rows[2].sparsity - 0.5) < 1e-3, `pruned sparsity ${rows[2].sparsity}`);

    // The pad now runs the loaded MLP.
    await stroke(page, [[0.5, 0.15], [0.52, 0.85]]);
    await until(page, () => window.labs.state.lastPrediction);
    const p = await page.evaluate(() => window.labs.state.lastPrediction);
    assert.ok(Math.abs(p.original.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    app.check();
  } finally {
    await app.close();
  }
});
