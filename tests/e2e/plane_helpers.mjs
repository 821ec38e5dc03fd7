// Helpers for the plane page tests (tests/e2e/plane_*.test.mjs), on top of harness.mjs.
import { assertNoErrors, launchChromium, openPage, requirePkg, startSite } from "./harness.mjs";

/** Serve www/, open plane.html (with `hash`), wait for `window.plane.ready`. WebGPU is off unless
 * `webgpu` (the plane trains on the CPU by default; its GPU backend's test turns it on). */
export async function openPlane({ hash = "", width = 1400, height = 900, webgpu = false } = {}) {
  requirePkg();
  const site = await startSite();
  const browser = await launchChromium({ webgpu });
  const close = async () => {
    await browser.close();
    await site.close();
  };
  try {
    const { page, errors, logs } = await openPage(browser, site.url + "plane.html" + hash);
    await page.setViewportSize({ width, height });
    await page.waitForFunction(() => window.plane && window.plane.ready);
    await page.evaluate(() => window.plane.ready);
    return { page, errors, logs, site, close, check: () => assertNoErrors(errors, logs) };
  } catch (e) {
    await close();
    throw e;
  }
}
