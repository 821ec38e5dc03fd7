// Helpers shared by the playground page tests (tests/e2e/page_*.test.mjs), on top of harness.mjs.
import {
  assertNoErrors,
  launchChromium,
  openPage,
  requirePkg,
  startSite,
  waitForPlayground,
} from "./harness.mjs";

/** The page probes for an optional pretrained model; its 404 is expected, not an error. */
export function realErrors(errors) {
  return errors.filter(
    (e) =>
      !/models\/cnn\.safetensors/.test(e) &&
      !/Failed to load resource: the server responded with a status of 404/.test(e),
  );
}

/**
 * Serve www/, launch Chromium, open the page at `hash`, wait for `window.playground.ready`.
 * Returns `{page, errors, logs, close, check}`; `check()` asserts no unexpected errors.
 */
export async function openPlayground(hash = "", { width = 1200, height = 900, init = null } = {}) {
  requirePkg();
  const site = await startSite();
  const browser = await launchChromium();
  try {
    // `init`: a script run in the page before its own (e.g. to refuse storage).
    if (init) await browser.context.addInitScript(init);
    const { page, errors, logs } = await openPage(browser, site.url + hash);
    await page.setViewportSize({ width, height });
    await waitForPlayground(page);
    return {
      page,
      errors,
      logs,
      check: () => assertNoErrors(realErrors(errors), logs),
      close: async () => {
        await browser.close();
        await site.close();
      },
    };
  } catch (e) {
    await browser.close();
    await site.close();
    throw e;
  }
}

/** Draw a polyline on #draw; points are fractions of the pad's size. */
export async function stroke(page, points, steps = 5) {
  const box = await page.locator("#draw").boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps });
  await page.mouse.up();
}

/** Poll `fn` in the page until it returns a truthy value (which is returned). */
export async function until(page, fn, arg, timeout = 120_000) {
  const handle = await page.waitForFunction(fn, arg, { timeout, polling: 250 });
  return handle.jsonValue();
}

export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
