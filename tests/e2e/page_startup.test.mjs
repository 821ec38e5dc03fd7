// When the engine cannot start (here: MNIST's test images do not load), the page says so and
// stays usable as a page: playground.ready rejects with the reason, the banner and the header say
// the engine is not running, Train is disabled, and later calls reject with a readable message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, openPage, requirePkg, startSite } from "./harness.mjs";

test("an engine that cannot start is reported, and calls reject readably", async () => {
  requirePkg();
  const site = await startSite();
  const browser = await launchChromium();
  try {
    await browser.context.route("**/t10k-images*", (r) => r.fulfill({ status: 404, body: "gone" }));
    const { page } = await openPage(browser, site.url + "#model=mlp&backend=cpu");
    const ready = await page.evaluate(() => window.playground.ready.then(() => "ready", (e) => e.message));
    assert.match(ready, /t10k-images-idx3-ubyte\.gz: HTTP 404/);
    assert.equal(await page.textContent("#backend"), "Engine not running");
    assert.ok(await page.isVisible("#message"));
    assert.match(await page.textContent("#message-text"), /The engine could not start: .*HTTP 404/);
    assert.equal(await page.isDisabled("#start"), true);
    const configure = await page.evaluate(() => window.playground.configure({ lr: 0.01 }).then(() => "ok", (e) => e.message));
    assert.match(configure, /the engine has no model \(it did not start\)/);
    assert.equal(await page.evaluate(() => window.playground.state().ready), false);
  } finally {
    await browser.close();
    await site.close();
  }
});
