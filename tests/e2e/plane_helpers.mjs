// Helpers for the plane page tests (tests/e2e/plane_*.test.mjs), on top of harness.mjs.
import { inflateSync } from "node:zlib";
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
    return { page, errors, logs, site, browser, close, check: () => assertNoErrors(errors, logs) };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * The RGBA pixels of a PNG as Playwright's screenshots write it (8-bit RGB or RGBA, not
 * interlaced): `{width, height, rgba}`. Enough to read a canvas a worker owns, which the page
 * itself cannot read back.
 */
export function decodePng(png) {
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || ![2, 6].includes(data[9]) || data[12] !== 0) throw new Error(`unsupported PNG: depth ${data[8]}, colour type ${data[9]}, interlace ${data[12]}`);
      channels = data[9] === 6 ? 4 : 3;
    }
    if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? rows[y * stride + x - channels] : 0;
      const b = y > 0 ? rows[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? rows[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      rows[y * stride + x] = (line[x] + predictor) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) rgba[4 * i + k] = rows[i * channels + k];
    rgba[4 * i + 3] = channels === 4 ? rows[i * channels + 3] : 255;
  }
  return { width, height, rgba };
}
