// The dataset in the address (www/js/config.js `data=`) and the class names (www/js/classes.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromHash, toHash } from "../../www/js/config.js";
import { classNames } from "../../www/js/classes.js";
import { defaults } from "../../www/js/settings.js";

test("data= round-trips through the address; MNIST is the default and is not written", () => {
  assert.equal(fromHash("").dataset, "mnist");
  assert.equal(fromHash("#model=mlp").dataset, "mnist");
  const parsed = fromHash("#model=cnn&data=fashion");
  assert.equal(parsed.dataset, "fashion");
  assert.equal(parsed.error, null);
  assert.match(toHash(defaults(), { dataset: "fashion" }), /&data=fashion/);
  assert.doesNotMatch(toHash(defaults(), { dataset: "mnist" }), /data=/);
  assert.equal(fromHash(toHash(parsed.config, { dataset: "fashion" })).dataset, "fashion");
  const bad = fromHash("#data=cifar");
  assert.equal(bad.dataset, "mnist");
  assert.match(bad.error, /data must be mnist or fashion/);
});

test("class names: digits for MNIST, Fashion-MNIST's ten garments", () => {
  assert.deepEqual(classNames("mnist"), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  assert.equal(classNames("fashion")[0], "T-shirt/top");
  assert.equal(classNames("fashion")[9], "Ankle boot");
  assert.equal(classNames("nope")[3], "3");
});
