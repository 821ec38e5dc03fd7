// Models in and out: a bare PyTorch state dict (our exported file with its metadata stripped, as
// `safetensors.torch.save_file(model.state_dict(), path)` writes it) loads, both into the current
// model and, from another architecture, as the inferred Sequential, predicting exactly as before;
// a file with one tensor of the wrong shape gives the names-and-shapes message and changes
// nothing; Export ONNX (button and playground.exportOnnx) gives an ONNX ModelProto.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { openPlayground, until } from "./page_helpers.mjs";

const probe = Array.from({ length: 784 }, (_, i) => (Math.abs((i % 28) - Math.floor(i / 28)) < 2 ? 1 : 0));

/** The safetensors file with its header rewritten by `edit` (header JSON in, header JSON out). */
function rewriteHeader(bytes, edit) {
  const buf = Buffer.from(bytes);
  const n = Number(buf.readBigUInt64LE(0));
  const header = edit(JSON.parse(buf.subarray(8, 8 + n).toString("utf8")));
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // PyTorch's writer pads the header to 8 bytes
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json, "utf8"), buf.subarray(8 + n)]);
}

const stripMetadata = (bytes) =>
  rewriteHeader(bytes, (h) => {
    delete h.__metadata__;
    return h;
  });

/** Top-level protobuf fields of `buf` as [[field, value]] (varints as numbers, the rest as bytes). */
function protoFields(buf) {
  const out = [];
  let i = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    if (wire === 0) out.push([field, Number(varint())]);
    else if (wire === 2) {
      const len = Number(varint());
      out.push([field, buf.subarray(i, i + len)]);
      i += len;
    } else if (wire === 5) i += 4;
    else if (wire === 1) i += 8;
    else throw new Error(`wire type ${wire}`);
  }
  return out;
}

const get = (fields, n) => fields.filter(([f]) => f === n).map(([, v]) => v);

test("bare state dicts load (current model / inferred), a wrong shape is refused, ONNX exports", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu");
  try {
    const { page } = app;
    await page.evaluate(() => window.playground.step(5));
    const trained = await page.evaluate((x) => window.playground.predict(x), probe);
    const saved = await page.evaluate(async () => Array.from(await window.playground.exportModel()));
    const bare = stripMetadata(saved);
    assert.ok(!bare.includes("gradient_garden.spec"), "the metadata is gone");

    // Another architecture is running: the bare MLP file is inferred and builds a new session.
    await page.evaluate(() => window.playground.configure({ model: "cnn" }));
    await page.evaluate((b) => window.playground.loadModel(new Uint8Array(b)), Array.from(bare));
    let state = await page.evaluate(() => window.playground.state());
    assert.equal(state.model, "mlp", "inferred the MLP preset");
    await until(page, () => /inferred from the tensors/.test(document.getElementById("message-text").textContent));
    let msg = await page.textContent("#message-text");
    assert.match(msg, /new session was built.*inferred from the tensors.*ReLU/s, msg);
    assert.deepEqual(await page.evaluate((x) => window.playground.predict(x), probe), trained, "same predictions");

    // The same file into the running MLP (after more training): weights in place, as saved.
    await page.evaluate(() => window.playground.step(3));
    await page.setInputFiles("#load-model", { name: "state_dict.safetensors", mimeType: "application/octet-stream", buffer: bare });
    await until(page, () => /tensors match the current model/.test(document.getElementById("message-text").textContent));
    assert.deepEqual(await page.evaluate((x) => window.playground.predict(x), probe), trained, "restored predictions");

    // One tensor of the wrong shape (same byte count, so the file itself is sound): refused.
    const before = await page.evaluate(() => window.playground.state());
    const wrong = rewriteHeader(bare, (h) => {
      h["0.weight"].shape = [64, 1568];
      return h;
    });
    const err = await page.evaluate(
      (b) => window.playground.loadModel(new Uint8Array(b)).then(() => "loaded", (e) => e.message),
      Array.from(wrong),
    );
    assert.match(err, /The file holds: 0\.bias \[128\], 0\.weight \[64, 1568\], 2\.bias \[10\], 2\.weight \[10, 128\]/, err);
    assert.match(err, /the current model expects: 0\.bias \[128\], 0\.weight \[128, 784\]/, err);
    await until(page, () => /Could not load/.test(document.getElementById("message-text").textContent));
    msg = await page.textContent("#message-text");
    assert.match(msg, /Could not load that model file: .*The current model is unchanged\./s);
    const after = await page.evaluate(() => window.playground.state());
    for (const key of ["model", "parameters", "step", "backend"]) assert.deepEqual(after[key], before[key], key);
    assert.deepEqual(await page.evaluate((x) => window.playground.predict(x), probe), trained, "same model");

    // ONNX: the API's bytes and the button's download are the same ModelProto.
    const onnx = Buffer.from(await page.evaluate(async () => Array.from(await window.playground.exportOnnx())));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-onnx")]);
    assert.match(download.suggestedFilename(), /\.onnx$/);
    assert.deepEqual(readFileSync(await download.path()), onnx);
    const model = protoFields(onnx);
    assert.equal(get(model, 1)[0], 7, "ir_version");
    assert.equal(get(model, 2)[0].toString(), "gradient-garden", "producer_name");
    const opset = protoFields(get(model, 8)[0]);
    assert.equal(get(opset, 2)[0], 13, "opset");
    const meta = get(model, 14).map((e) => protoFields(e).map(([, v]) => v.toString()));
    const spec = JSON.parse(meta.find(([k]) => k === "gradient_garden.spec")[1]);
    assert.deepEqual(spec, state.spec);
    const graph = protoFields(get(model, 7)[0]);
    const ops = get(graph, 1).map((node) => get(protoFields(node), 4)[0].toString());
    assert.deepEqual(ops, ["Gemm", "Relu", "Gemm"]);
    app.check();
  } finally {
    await app.close();
  }
});
