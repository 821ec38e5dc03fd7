// scripts/serve.mjs, the static server behind `scripts/serve.sh` and every e2e test: content
// types the browser insists on, the isolation headers, and no escape from the served folder.
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CONTENT_SECURITY_POLICY, startServer } from "../../scripts/serve.mjs";
import { WWW_DIR } from "./harness.mjs";

describe("scripts/serve.mjs", () => {
  let dir;
  let site;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "garden-serve-"));
    mkdirSync(join(dir, "www", "pkg"), { recursive: true });
    mkdirSync(join(dir, "www", "models"), { recursive: true });
    writeFileSync(join(dir, "www", "index.html"), "<!doctype html><title>t</title>");
    writeFileSync(join(dir, "www", "pkg", "gradient_garden.js"), "export default 1;\n");
    // The 8-byte wasm header: magic + version 1.
    writeFileSync(join(dir, "www", "pkg", "gradient_garden_bg.wasm"), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
    writeFileSync(join(dir, "www", "models", "m.safetensors"), Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]));
    writeFileSync(join(dir, "www", "t.gz"), Buffer.from([0x1f, 0x8b, 8, 0]));
    writeFileSync(join(dir, "secret.txt"), "outside the root");
    site = await startServer({ root: join(dir, "www"), port: 0 });
  });
  after(async () => {
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path) => fetch(new URL(path, site.url));

  test("serves each file type with the type the browser needs", async () => {
    const cases = [
      ["/", "text/html"],
      ["/pkg/gradient_garden.js", "text/javascript"],
      ["/pkg/gradient_garden_bg.wasm", "application/wasm"],
      ["/models/m.safetensors", "application/octet-stream"],
      ["/t.gz", "application/octet-stream"],
    ];
    for (const [path, type] of cases) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.ok(res.headers.get("content-type").startsWith(type), `${path}: ${res.headers.get("content-type")}`);
      // .gz stays opaque bytes: the page gunzips MNIST itself.
      assert.equal(res.headers.get("content-encoding"), null, path);
    }
    const wasm = Buffer.from(await (await get("/pkg/gradient_garden_bg.wasm")).arrayBuffer());
    assert.deepEqual([...wasm], [0, 97, 115, 109, 1, 0, 0, 0]);
  });

  test("sends the cross-origin isolation headers on every response", async () => {
    for (const path of ["/", "/pkg/gradient_garden_bg.wasm", "/missing.js"]) {
      const res = await get(path);
      assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin", path);
      assert.equal(res.headers.get("cross-origin-embedder-policy"), "require-corp", path);
    }
  });

  test("sends the content security policy on every response, the same as the pages' <meta> tags", async () => {
    for (const path of ["/", "/pkg/gradient_garden.js", "/missing.js"]) {
      assert.equal((await get(path)).headers.get("content-security-policy"), CONTENT_SECURITY_POLICY, path);
    }
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /'unsafe-inline'|'unsafe-eval'|\*/, "no inline script, eval or wildcard");
    for (const page of ["index.html", "labs.html"]) {
      const html = readFileSync(join(WWW_DIR, page), "utf8");
      const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
      assert.ok(meta, `${page} has the CSP <meta> tag`);
      assert.equal(meta[1], CONTENT_SECURITY_POLICY, page);
      assert.doesNotMatch(html, /\son[a-z]+="|<script(?![^>]*\ssrc=)[^>]*>|\sstyle="/, `${page}: no inline script, handler or style`);
    }
  });

  test("answers 404 for missing files and never serves outside its root", async () => {
    assert.equal((await get("/nope.wasm")).status, 404);
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/pkg/..%2f..%2fsecret.txt"]) {
      const res = await get(path);
      assert.notEqual(res.status, 200, path);
      assert.ok(!(await res.text()).includes("outside the root"), path);
    }
  });
});
