// Fashion-MNIST as a second dataset: chosen in the address (`data=fashion`) or by
// configure({dataset}), the shipped Fashion CNN classifies before any training, the class names
// are in the bars, the confusion matrix and the teach buttons, a test image picked from the strip
// is classified, a unit's top test images are Fashion's, and back on MNIST the digits' model and names return.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground } from "./page_helpers.mjs";

test("Fashion-MNIST: pretrained, named classes, the test strip, and back to MNIST", async () => {
  const app = await openPlayground("#backend=cpu&data=fashion");
  const { page } = app;
  try {
    const s = await page.evaluate(() => window.playground.state());
    assert.equal(s.dataset, "fashion");
    assert.equal(s.pretrained, true, "the shipped Fashion CNN");
    assert.equal(s.trainSize, 54000);
    assert.equal(s.data.done, true);
    const test = await page.evaluate(() => window.playground.evaluate("test", 2000));
    assert.ok(test.accuracy > 0.85, `Fashion test accuracy ${test.accuracy}`);
    assert.match(await page.locator("#probs").textContent(), /Ankle boot/);
    await page.waitForFunction(() => /Sneaker/.test(document.getElementById("confusion").textContent), null, { timeout: 20_000 }).catch(async (e) => {
      throw new Error(`${e.message}; confusion: ${(await page.locator("#confusion").textContent()).slice(0, 200)}; result: ${await page.locator("#test-result").textContent()}`);
    });
    assert.match(await page.locator("#teach-buttons").textContent(), /T-shirt\/top/);

    // A test image from the strip goes on the pad and is classified, by name.
    await page.waitForFunction(() => document.querySelectorAll("#test-strip button").length === 10);
    await page.locator("#test-strip button").nth(9).click();
    await page.waitForFunction(() => document.getElementById("prediction").textContent !== "–");
    assert.match(await page.locator("#input-source").textContent(), /test image #\d+ \(label Ankle boot\)/);
    assert.ok(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"].includes(await page.locator("#prediction").textContent()));
    assert.match(page.url(), /data=fashion/);

    // The test images that excite a unit most come from Fashion's test set: the "Ankle boot"
    // logit's top images are ankle boots (label 9).
    const logits = (await page.evaluate(() => window.playground.activations(new Array(784).fill(0)))).length - 1;
    const boots = await page.evaluate((l) => window.playground.topImages({ layer: l, unit: 9, k: 8 }), logits);
    assert.ok(boots.filter((t) => t.label === 9).length >= 7, `labels of the top "Ankle boot" images: ${boots.map((t) => t.label)}`);

    // It trains on Fashion (a few steps), and a bad name is refused with the set unchanged.
    const stepped = await page.evaluate(() => window.playground.step(2));
    assert.equal(stepped.step, 2);
    await assert.rejects(page.evaluate(() => window.playground.configure({ dataset: "cifar" })), /unknown dataset 'cifar'/);
    assert.equal((await page.evaluate(() => window.playground.state())).dataset, "fashion");

    // Back to MNIST: the digits' pretrained CNN, digit names, no data= in the address.
    const back = await page.evaluate(() => window.playground.configure({ dataset: "mnist" }));
    assert.equal(back.dataset, "mnist");
    assert.equal(back.pretrained, true);
    assert.equal(back.step, 0, "a new run on the new data");
    const digits = await page.evaluate(() => window.playground.evaluate("test", 1000));
    assert.ok(digits.accuracy > 0.97, `MNIST accuracy ${digits.accuracy}`);
    await page.waitForFunction(() => !/Ankle boot/.test(document.getElementById("probs").textContent));
    assert.doesNotMatch(page.url(), /data=/);
    app.check();
  } finally {
    await app.close();
  }
});
