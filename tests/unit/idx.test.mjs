// www/js/idx.js: the own examples' IDX pair (pack, gzip, gunzip, parse) and its clear errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzip, maybeGunzip, packIdx, parseIdx } from "../../www/js/idx.js";

const img = (v) => new Uint8Array(784).fill(v);

test("an IDX pair round-trips through gzip", async () => {
  const raw = packIdx([img(1), img(200)], [7, 0]);
  assert.equal(raw.images.length, 16 + 2 * 784);
  assert.deepEqual([...raw.images.slice(0, 16)], [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
  assert.deepEqual([...raw.labels], [0, 0, 8, 1, 0, 0, 0, 2, 7, 0]);
  const gz = await gzip(raw.images);
  assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
  const back = parseIdx(await maybeGunzip(gz), await maybeGunzip(raw.labels));
  assert.deepEqual(back.map((x) => x.label), [7, 0]);
  assert.deepEqual(back[1].pixels, img(200));
});

test("files that are not an IDX pair are refused in words", () => {
  const { images, labels } = packIdx([img(3)], [4]);
  assert.throws(() => parseIdx(labels, images), /not IDX images/);
  assert.throws(() => parseIdx(images.slice(0, 100), labels), /shorter or longer/);
  const bad = labels.slice();
  bad[8] = 11;
  assert.throws(() => parseIdx(images, bad), /label 11 of image 0 is not a class/);
  const two = packIdx([img(1), img(2)], [1, 2]);
  assert.throws(() => parseIdx(two.images, labels), /2 images but 1 labels/);
  assert.throws(() => packIdx([img(1)], [1, 2]), /1 images for 2 labels/);
});
