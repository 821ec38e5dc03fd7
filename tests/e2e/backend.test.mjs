// End-to-end: the real page (www/ + the wasm package in www/pkg) in headless Chromium.
// It must start its engine, say which backend it runs on, and run clean (no console errors).
//
// Needs www/pkg: `wasm-pack build --release --target web --out-dir www/pkg` (scripts/test.sh
// builds it before running `node --test tests/e2e/`).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  assertNoErrors,
  launchChromium,
  openPage,
  requirePkg,
  startSite,
  waitForPlayground,
} from "./harness.mjs";

describe("the page starts its engine and names the backend", () => {
  let site;
  before(async () => {
    requirePkg();
    site = await startSite();
  });
  after(async () => {
    await site?.close();
  });

  test("with WebGPU available it trains on the GPU and says so", async () => {
    const browser = await launchChromium();
    try {
      const { page, errors, logs } = await openPage(browser, site.url);
      assert.equal(await page.evaluate(() => "gpu" in navigator), true, "navigator.gpu is missing");
      assert.equal(
        await page.evaluate(() => self.crossOriginIsolated),
        true,
        "the page is not cross-origin isolated: serve.mjs must send COOP/COEP",
      );
      await waitForPlayground(page);
      const s = await page.evaluate(() => window.playground.state());
      assert.ok(["gpu", "cpu"].includes(s.backend), `state().backend is ${JSON.stringify(s.backend)}`);
      // Chromium here has a WebGPU adapter (SwiftShader), so the engine must be on it: a silent
      // fall back to the CPU would hide a broken GPU path.
      assert.equal(
        s.backend,
        "gpu",
        `the page fell back to the CPU although WebGPU is available: ${s.gpuUnavailable ?? "no reason given"}`,
      );
      assert.equal(typeof s.adapter, "string");
      assert.ok(s.adapter.length > 0, "state().adapter is empty");
      const text = await page.locator("#backend").innerText();
      assert.match(text, /WebGPU/, `the page does not show the GPU backend: "${text}"`);
      assert.ok(text.includes(s.adapter), `the page does not name the adapter "${s.adapter}": "${text}"`);
      assertNoErrors(errors, logs);
    } finally {
      await browser.close();
    }
  });

  test("without WebGPU it falls back to the CPU backend and says so", async () => {
    // Chromium without --enable-unsafe-webgpu has navigator.gpu but no adapter: the page must
    // still come up, on the wasm CPU backend.
    const browser = await launchChromium({ webgpu: false });
    try {
      const { page, errors, logs } = await openPage(browser, site.url);
      await waitForPlayground(page);
      const s = await page.evaluate(() => window.playground.state());
      assert.equal(s.backend, "cpu", `expected the CPU fallback, got ${JSON.stringify(s.backend)}`);
      const text = await page.locator("#backend").innerText();
      assert.match(text, /CPU/, `the page does not show the CPU backend: "${text}"`);
      // A missing GPU is expected here, so only errors other than the GPU probe's count.
      assertNoErrors(
        errors.filter((e) => !/webgpu|adapter|gpu/i.test(e)),
        logs,
      );
    } finally {
      await browser.close();
    }
  });
});
