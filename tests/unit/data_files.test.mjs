// The data the site ships (www/data, www/data/fashion): every file in MD5SUMS has that checksum,
// and they are the official files' (MNIST, Fashion-MNIST), so a re-encoded copy cannot slip in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const DATA = fileURLToPath(new URL("../../www/data/", import.meta.url));
const FASHION = join(DATA, "fashion");
// Fashion-MNIST's official checksums (github.com/zalandoresearch/fashion-mnist).
const FASHION_OFFICIAL = {
  "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
  "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
  "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
  "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
};
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

for (const [dir, official, name] of [[DATA, OFFICIAL, "MNIST"], [FASHION, FASHION_OFFICIAL, "Fashion-MNIST"]]) {
  test(`${name}: the files match their MD5SUMS, which are the official files'`, () => {
    const listed = sums(dir);
    const shipped = readdirSync(dir).filter((f) => f.endsWith(".gz"));
    assert.deepEqual(Object.keys(listed).sort(), shipped.sort(), "MD5SUMS lists every shipped file");
    for (const [file, md5] of Object.entries(listed)) {
      assert.equal(createHash("md5").update(readFileSync(join(dir, file))).digest("hex"), md5, file);
    }
    for (const [file, md5] of Object.entries(official)) assert.equal(listed[file], md5, file);
  });
}
