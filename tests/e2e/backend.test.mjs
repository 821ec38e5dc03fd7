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

  test("with WebGPU available, auto takes a hardware GPU or the faster of a software GPU and the CPU, and says why", async () => {
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
      assert.equal(typeof s.adapter, "string");
      assert.ok(s.adapter.length > 0, "state().adapter is empty");
      const text = await page.locator("#backend").innerText();
      const gpuInfo = await page.evaluate(async () => {
        const a = await navigator.gpu.requestAdapter();
        return a ? { fallback: !!a.info?.isFallbackAdapter || /swiftshader/i.test(a.info?.description ?? "") } : null;
      });
      assert.ok(gpuInfo, "navigator.gpu gave no adapter although WebGPU is on");
      // Any adapter must earn its place (a software one nearly never does, a weak integrated GPU
      // may not): 'auto' times both backends and runs the faster one, and the page says which
      // and why.
      assert.ok(s.probe, `no probe result under 'auto': ${JSON.stringify(s)}`);
      assert.equal(s.backend, s.probe.chosen, "state().backend is not the probe's choice");
      assert.ok(s.probe.cpuMsPerStep > 0, `CPU probe time ${s.probe.cpuMsPerStep}`);
      assert.match(s.probe.reason, /faster/);
      assert.ok(text.includes(s.probe.reason), `the page does not give the probe's reason: "${text}"`);
      assert.match(text, s.backend === "gpu" ? /WebGPU/ : /CPU/);
      if (!gpuInfo.fallback) {
        // On a hardware GPU the GPU steps must have run (a broken GPU path must not hide as a
        // CPU win): the probe timed them.
        assert.ok(s.probe.gpuMsPerStep > 0, `the GPU probe did not finish: ${JSON.stringify(s.probe)}`);
      }
      // The user can still pick either backend by hand.
      const other = s.backend === "gpu" ? "cpu" : "gpu";
      const s2 = await page.evaluate((b) => window.playground.configure({ backend: b }), other);
      assert.equal(s2.backend, other, `configure({backend: '${other}'}) runs on ${s2.backend}`);
      const text2 = await page.locator("#backend").innerText();
      assert.match(text2, other === "gpu" ? /WebGPU/ : /CPU/, `after switching: "${text2}"`);
      assert.ok(text2.includes(s2.adapter), `the page does not name the adapter "${s2.adapter}": "${text2}"`);
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
