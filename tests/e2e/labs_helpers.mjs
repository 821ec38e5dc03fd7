// Helpers for the labs page tests (tests/e2e/labs_*.test.mjs), on top of harness.mjs.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, assertNoErrors, launchChromium, openPage, requirePkg, startSite } from "./harness.mjs";

export const ARTIFACTS = join(REPO_ROOT, "tests/e2e/artifacts");

/** Serve www/, open labs.html, wait for `window.labs.ready` (the pretrained CNN loaded). */
export async function openLabs({ width = 1200, height = 900, webgpu = true } = {}) {
  requirePkg();
  const site = await startSite();
  const browser = await launchChromium({ webgpu });
  const close = async () => {
    await browser.close();
    await site.close();
  };
  try {
    const { page, errors, logs } = await openPage(browser, site.url + "labs.html");
    await page.setViewportSize({ width, height });
    await page.waitForFunction(() => window.labs && window.labs.ready);
    await page.evaluate(() => window.labs.ready);
    return { page, errors, logs, close, check: () => assertNoErrors(errors, logs) };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Save a screenshot under tests/e2e/artifacts/ (for a person to look at). */
export async function screenshot(page, name, options = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), ...options });
}

/** Poll `fn` in the page until it returns a truthy value (which is returned). */
export async function until(page, fn, arg, timeout = 180_000) {
  const handle = await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  return handle.jsonValue();
}

/** Draw a polyline on #draw (scrolled into view first); points are fractions of the pad. */
export async function stroke(page, points, steps = 6) {
  await page.locator("#draw").scrollIntoViewIfNeeded();
  const box = await page.locator("#draw").boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps });
  await page.mouse.up();
}
