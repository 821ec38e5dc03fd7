// Shared helpers for the browser end-to-end tests (node:test + playwright-core).
//
// playwright-core ships no browser and downloads none: we drive Debian's /usr/bin/chromium
// (installed by scripts/setup.sh). Every test file does:
//
//   const site = await startSite();            // www/ on a free port
//   const browser = await launchChromium();    // headless, WebGPU on (SwiftShader)
//   const { page, errors } = await openPage(browser, site.url);
//   ... assertions ...; assertNoErrors(errors); await browser.close(); await site.close();
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const WWW_DIR = join(REPO_ROOT, "www");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// The same flags webdriver.json gives the wasm-bindgen-test browser.
// --enable-unsafe-webgpu: headless Chromium on Linux exposes navigator.gpu only with it
//   (the adapter is SwiftShader, a CPU Vulkan). --enable-unsafe-swiftshader keeps
//   SwiftShader allowed as WebGPU's adapter (Chromium is phasing out the implicit fallback).
// The network flags stop Chromium phoning home: this machine's network is closed and each
//   refused connection is noise (and time) in a test log.
// --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
export const CHROMIUM_ARGS = [
  "--enable-unsafe-webgpu",
  "--enable-unsafe-swiftshader",
  "--no-sandbox",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--no-default-browser-check",
];

/** Page, worker and wasm work on SwiftShader is slow on a 2-core machine: be generous. */
export const PAGE_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 180_000);

/**
 * www/pkg and www/pkg-relaxed are the two wasm builds the page picks from (scripts/wasm_builds.sh;
 * Chromium gets the relaxed one, `?wasm=simd128` forces the other).
 */
export function requirePkg() {
  for (const dir of ["pkg", "pkg-relaxed"]) {
    const js = join(WWW_DIR, dir, "gradient_garden.js");
    if (!existsSync(js)) {
      throw new Error(
        `${js} is missing: build both wasm packages first with ` +
          "`source scripts/wasm_builds.sh && build_wasm_pkgs --release` (scripts/test.sh and serve.sh do)",
      );
    }
  }
}

/** Serve www/ (or `root`) on 127.0.0.1 at a free port. Resolves to `{ url, port, close }`. */
export function startSite(root = WWW_DIR) {
  return startServer({ root, host: "127.0.0.1", port: 0 });
}

/** Flags that turn WebGPU on (dropped by `launchChromium({ webgpu: false })`). */
const WEBGPU_ARGS = ["--enable-unsafe-webgpu", "--enable-unsafe-swiftshader"];

/**
 * Headless Debian Chromium in a fresh throwaway profile; with WebGPU unless `webgpu: false`
 * (then navigator.gpu exists but yields no adapter, like a machine without a usable GPU).
 */
export async function launchChromium({ args = [], webgpu = true } = {}) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: run scripts/setup.sh (apt package chromium)`);
  }
  const profile = mkdtempSync(join(tmpdir(), "garden-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS.filter((a) => webgpu || !WEBGPU_ARGS.includes(a)), ...args],
    timeout: 60_000,
  });
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/**
 * Open `url` in a new tab and collect every console error, uncaught page error, worker error
 * and failed request into `errors` (strings), so a test can assert the page ran clean. `logs`
 * keeps the whole console (and HTTP errors) for failure messages.
 */
export async function openPage(browser, url) {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const errors = [];
  const logs = [];
  page.on("console", (msg) => {
    const line = `[${msg.type()}] ${msg.text()}`;
    logs.push(line);
    if (msg.type() === "error") errors.push(line);
  });
  page.on("pageerror", (err) => errors.push(`[pageerror] ${err.message}`));
  page.on("worker", (worker) => {
    worker.on("console", (msg) => {
      const line = `[worker ${msg.type()}] ${msg.text()}`;
      logs.push(line);
      if (msg.type() === "error") errors.push(line);
    });
  });
  // The pages run under a content security policy (scripts/serve.mjs): anything it blocks is a
  // bug, reported as an error with what was blocked and where. (Chromium also logs a violation
  // in a worker to that worker's console as an error, which the listener above collects.)
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline code"} at ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  page.on("requestfailed", (req) => {
    const line = `[requestfailed] ${req.url()} ${req.failure()?.errorText ?? ""}`;
    // The full training set streams in after start-up (www/workers/data.js): a reload, or a
    // second training worker stopped while it loads, aborts that download, which is expected.
    if (/\/data\/(fashion\/)?train-(images|labels)-\S+ net::ERR_ABORTED$/.test(line)) logs.push(line);
    else errors.push(line);
  });
  // HTTP errors are logged, not failed on: the page probes optional files (a pretrained model)
  // and handles their absence; a missing essential file shows up as a page error or a stuck page.
  page.on("response", (res) => {
    if (res.status() >= 400) logs.push(`[http ${res.status()}] ${res.url()}`);
  });
  await page.goto(url, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
  return { page, errors, logs };
}

/** Fail with the collected errors (and the recent console) if there are any. */
export function assertNoErrors(errors, logs = []) {
  if (errors.length > 0) {
    const tail = logs.slice(-20).join("\n  ");
    throw new Error(`the page reported errors:\n  ${errors.join("\n  ")}\nrecent console:\n  ${tail}`);
  }
}

/** Wait for `window.playground.ready`, the page's "the engine is up" promise. */
export async function waitForPlayground(page, timeout = PAGE_TIMEOUT_MS) {
  await page.waitForFunction(() => window.playground && window.playground.ready, null, { timeout });
  await page.evaluate(
    (ms) =>
      Promise.race([
        window.playground.ready,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`window.playground.ready did not settle in ${ms} ms`)), ms),
        ),
      ]).then(() => undefined),
    timeout,
  );
}

/**
 * The visible controls matching `selector` that have no accessible name (no label, no
 * aria-label / aria-labelledby, no button text), each as the start of its HTML: `[]` when all
 * are named. Inside `[hidden]`, or `[aria-hidden=true]` with `skipAriaHidden`, does not count.
 */
export function unnamedControls(page, selector, { skipAriaHidden = false } = {}) {
  return page.evaluate(
    ({ selector, hiddenSelector }) =>
      [...document.querySelectorAll(selector)]
        .filter((el) => !el.closest(hiddenSelector))
        .filter((el) => {
          const labelled = el.labels && el.labels.length > 0;
          const aria = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
          const text = el.tagName === "BUTTON" && el.textContent.trim();
          return !(labelled || aria || text);
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    { selector, hiddenSelector: skipAriaHidden ? "[hidden], [aria-hidden=true]" : "[hidden]" },
  );
}

/** Press Tab `presses` times from the top of the page: the id (or tag) focused after each. */
export async function tabOrder(page, presses) {
  const seen = [];
  await page.locator("body").focus();
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press("Tab");
    seen.push(await page.evaluate(() => document.activeElement.id || document.activeElement.tagName));
  }
  return seen;
}
