// The data the site ships (www/data): every file in MD5SUMS has that checksum, and MNIST's are
// the official files' (http://yann.lecun.com/exdb/mnist/), so a re-encoded copy cannot slip in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const DATA = fileURLToPath(new URL("../../www/data/", import.meta.url));
const OFFICIAL = {
  "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
  "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
  "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
  "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
};

function sums(dir) {
  return Object.fromEntries(
    readFileSync(join(dir, "MD5SUMS"), "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(/\s+/).reverse()),
  );
}

test("www/data matches its MD5SUMS, and MNIST is the official files", () => {
  const listed = sums(DATA);
  const shipped = readdirSync(DATA).filter((f) => f.endsWith(".gz"));
  assert.deepEqual(Object.keys(listed).sort(), shipped.sort(), "MD5SUMS lists every shipped file");
  for (const [file, md5] of Object.entries(listed)) {
    assert.equal(createHash("md5").update(readFileSync(join(DATA, file))).digest("hex"), md5, file);
  }
  for (const [file, md5] of Object.entries(OFFICIAL)) assert.equal(listed[file], md5, file);
});
