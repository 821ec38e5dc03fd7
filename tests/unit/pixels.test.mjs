// The page's check of an image before it is posted to a worker (www/js/preprocess.js
// `checkPixels`, used by playground.predict and playground.activations): 784 numbers in [0, 1],
// anything else refused with a message that says which pixel and why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPixels } from "../../www/js/preprocess.js";

test("784 values in [0, 1] pass as a Float32Array; everything else is refused readably", () => {
  const ok = checkPixels(Array.from({ length: 784 }, (_, i) => (i % 256) / 255), "predict");
  assert.ok(ok instanceof Float32Array && ok.length === 784 && ok[255] === 1);
  const at = (i, v) => Object.assign(new Array(784).fill(0), { [i]: v });
  for (const [input, re] of [
    [null, /predict needs 784 pixel values in \[0, 1\], got null/],
    [undefined, /got undefined/],
    ["0".repeat(784), /got string/],
    [42, /got number/],
    [new Array(783).fill(0), /got 783/],
    [new Float32Array(785), /got 785/],
    [at(5, NaN), /pixel 5 is NaN, not a number in \[0, 1\]/],
    [at(6, Infinity), /pixel 6 is Infinity/],
    [at(7, -0.01), /pixel 7 is -0.01/],
    [at(8, 1.5), /pixel 8 is 1.5/],
    [at(9, "0.5"), /pixel 9 is "0.5"/],
    [at(10, null), /pixel 10 is null/],
  ]) {
    assert.throws(() => checkPixels(input, "predict"), re, String(input).slice(0, 20));
  }
});
