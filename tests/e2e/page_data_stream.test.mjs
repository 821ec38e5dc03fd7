// The full training set streams in behind a usable page: a proxy in front of the site holds the
// 60,000-image file, the page trains on its first slice (train10k) meanwhile, and once the file
// is let through the running session grows to the whole set: the epoch covers 54,000 training
// digits (6,000 held out for validation), the step count goes on, and both training workers
// train on it (a split step names samples past the first slice).
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { launchChromium, openPage, requirePkg, startSite, waitForPlayground, assertNoErrors } from "./harness.mjs";
import { realErrors, until } from "./page_helpers.mjs";

const HELD = "/data/train-images-idx3-ubyte.gz";

/** A proxy to `target` that holds requests for HELD until `release()`. */
async function holdingProxy(target) {
  let release;
  const released = new Promise((r) => (release = r));
  let held = 0;
  const server = http.createServer(async (req, res) => {
    if (req.url.startsWith(HELD)) {
      held += 1;
      await released;
    }
    const up = http.request(new URL(req.url, target), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on("error", (e) => res.destroy(e));
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, release, held: () => held, close: () => new Promise((r) => server.close(r)) };
}

test("the page trains on the first slice while the full set streams, then on all 60,000", async () => {
  requirePkg();
  const site = await startSite();
  const proxy = await holdingProxy(site.url);
  const browser = await launchChromium();
  try {
    const { page, errors, logs } = await openPage(browser, proxy.url + "#model=mlp&backend=cpu&batch=64");
    await waitForPlayground(page);
    const before = await page.evaluate(() => window.playground.state());
    assert.equal(before.dataset, "mnist");
    assert.equal(before.data.done, false, "the full set is held back by the proxy");
    assert.equal(before.trainSize, 9000, "train10k less its validation tenth");
    assert.equal(before.stepsPerEpoch, 140);
    // Usable before the full set: it trains (both workers, as the machine allows).
    await page.evaluate(() => window.playground.configure({ workers: 2 }));
    const early = await page.evaluate(() => window.playground.step(3));
    assert.equal(early.step, 3);
    assert.equal(early.data.done, false);
    assert.ok(proxy.held() >= 1, "the page asked for the full set");
    assert.match(await page.locator("#data-text").textContent(), /Loading the full training set/);

    proxy.release();
    const after = await until(page, () => {
      const s = window.playground.state();
      return s.data.done ? s : null;
    });
    assert.equal(after.trainSize, 54000);
    assert.equal(after.validationSize, 6000);
    assert.equal(after.stepsPerEpoch, 843); // floor(54000 / 64)
    assert.match(await page.locator("#data-text").textContent(), /Full training set loaded: 54,000/);
    // The run goes on: same step count, a new (longer) epoch, finite losses, with two workers.
    const grown = await page.evaluate(() => window.playground.step(3));
    assert.equal(grown.step, 6);
    assert.ok(grown.lastMetrics.epoch >= 1, `epoch ${grown.lastMetrics.epoch}`);
    assert.ok(Number.isFinite(grown.lastMetrics.loss));
    assert.equal(grown.workers, 2, `${grown.fault ?? ""}`);
    assertNoErrors(realErrors(errors), logs);
  } finally {
    proxy.release();
    await browser.close();
    await proxy.close();
    await site.close();
  }
});
