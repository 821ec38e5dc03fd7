// The content security policy (scripts/serve.mjs, the pages' <meta> tags) is enforced and the
// pages run under it: the playground trains and predicts with no violation, the labs page starts
// with none, and what the policy forbids (inline script, a blob: worker) is refused. (eval is
// not tried: code run through the DevTools protocol, as page.evaluate is, bypasses the policy.)
// (Every e2e test fails on a violation too: tests/e2e/harness.mjs reports them as errors.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground } from "./page_helpers.mjs";
import { assertNoErrors, launchChromium, openPage, startSite } from "./harness.mjs";

test("the playground trains under the policy, and the policy refuses inline script and blob: workers", async () => {
  const app = await openPlayground("#model=mlp");
  try {
    const { page } = app;
    const s = await page.evaluate(() => window.playground.step(3));
    assert.equal(s.step, 3);
    const probs = await page.evaluate(() => window.playground.predict(new Array(784).fill(0.1)));
    assert.equal(Object.keys(probs).length, 10);
    app.check(); // no violation so far
    const refused = await page.evaluate(async () => {
      const violations = [];
      const seen = new Promise((done) =>
        document.addEventListener("securitypolicyviolation", (e) => {
          violations.push(e.violatedDirective);
          if (violations.length >= 2) done();
        }),
      );
      const script = document.createElement("script");
      script.textContent = "window.__inlineRan = true;";
      document.body.append(script);
      // A refused worker is reported asynchronously (an error event), or its constructor throws.
      const blobWorker = await new Promise((done) => {
        try {
          const url = URL.createObjectURL(new Blob(["postMessage('ran')"], { type: "text/javascript" }));
          const w = new Worker(url);
          w.onmessage = () => done("ran");
          w.onerror = () => done("refused");
        } catch (e) {
          done(`refused (${e.name})`);
        }
        setTimeout(() => done("silent"), 5000);
      });
      await Promise.race([seen, new Promise((r) => setTimeout(r, 3000))]);
      return { inline: window.__inlineRan === true, blobWorker, violations };
    });
    assert.equal(refused.inline, false, "inline script does not run");
    assert.notEqual(refused.blobWorker, "ran", "a blob: worker does not run");
    assert.ok(refused.violations.some((d) => d.startsWith("script-src")), `violations: ${refused.violations}`);
    assert.ok(refused.violations.some((d) => d.startsWith("worker-src")), `violations: ${refused.violations}`);
  } finally {
    await app.close();
  }
});

test("the labs page starts under the policy with no violation", async () => {
  const site = await startSite();
  const browser = await launchChromium();
  try {
    const { page, errors, logs } = await openPage(browser, `${site.url}labs.html`);
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(1500);
    assert.ok(await page.locator("#scaling-form").isVisible());
    assertNoErrors(errors.filter((e) => !/404|models\/cnn/.test(e)), logs);
  } finally {
    await browser.close();
    await site.close();
  }
});
