#!/usr/bin/env node
// A zero-dependency static file server for www/.
//
// Why not `python -m http.server`: the page needs `.wasm` served as application/wasm (for
// `WebAssembly.instantiateStreaming`) and the COOP/COEP headers that make it cross-origin
// isolated (SharedArrayBuffer, precise timers), and we want one server for both the
// README's `scripts/serve.sh` and the end-to-end tests (tests/e2e/harness.mjs imports
// `startServer`).
//
// Usage: node scripts/serve.mjs [--root www] [--host 127.0.0.1] [--port 8080]
//        (--port 0 picks a free port)
import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const MIME_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".wgsl": "text/plain; charset=utf-8",
  ".safetensors": "application/octet-stream",
  ".gz": "application/octet-stream",
};

// The pages' content security policy, also in a <meta> tag in www/index.html and www/labs.html
// (tests/e2e/serve.test.mjs holds them equal): this origin only; wasm compiles
// ('wasm-unsafe-eval') but no eval and no inline script; workers from this origin (a blob: worker
// is refused); images from this origin plus data: (the empty favicon) and blob:; no inline
// styles (the pages set styles only through the CSSOM, which CSP does not restrict). As a
// header it also covers the workers, which a page's <meta> tag does not reach.
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'";

// Headers sent with every response. COOP + COEP make the page cross-origin isolated;
// CORP lets a worker or a module from this origin load everything it serves.
export const SECURITY_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
};

export function contentType(path) {
  // `.gz` must stay opaque bytes: the page gunzips MNIST itself, so no Content-Encoding.
  return MIME_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Serve `root` over HTTP. Resolves to `{ server, url, port, close() }` once listening.
 * Paths are confined to `root`; a directory serves its index.html; nothing is cached
 * (a rebuilt www/pkg must reach the browser on the next reload).
 */
export function startServer({ root = "www", host = "127.0.0.1", port = 8080, log = false } = {}) {
  const rootDir = resolve(root);
  const server = createServer(async (req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed\n");
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      return send(400, "bad request\n");
    }
    let file = normalize(join(rootDir, pathname));
    if (file !== rootDir && !file.startsWith(rootDir + sep)) return send(403, "forbidden\n");
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, "index.html");
        info = await stat(file);
      }
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        "Content-Type": contentType(file),
        "Content-Length": info.size,
        "Cache-Control": "no-store",
      });
      if (log) console.log(`${req.method} ${pathname} 200`);
      if (req.method === "HEAD") return res.end();
      createReadStream(file).pipe(res);
    } catch {
      if (log) console.log(`${req.method} ${pathname} 404`);
      send(404, `not found: ${pathname}\n`);
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolvePromise({
        server,
        port: actual,
        url: `http://${host}:${actual}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

function parseArgs(argv) {
  const opts = { root: "www", host: "127.0.0.1", port: 8080, log: true };
  for (let i = 0; i < argv.length; i++) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === "--root") opts.root = value;
    else if (key === "--host") opts.host = value;
    else if (key === "--port") opts.port = Number(value);
    else if (key === "--quiet") {
      opts.log = false;
      continue;
    } else throw new Error(`unknown argument ${key} (expected --root, --host, --port, --quiet)`);
    i++;
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  startServer(opts).then(
    ({ url }) => console.log(`Gradient Garden: serving ${resolve(opts.root)} at ${url} (Ctrl-C stops)`),
    (err) => {
      console.error(`serve.mjs: cannot listen on ${opts.host}:${opts.port}: ${err.message}`);
      process.exit(1);
    },
  );
}
