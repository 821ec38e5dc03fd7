// Fuzzing the page's doors, in one browser: mutated addresses (URL hashes, applied the way a user
// edits them: `location.hash` and the page's hashchange handler) and a few hundred random
// `window.playground` calls (configure with random keys, values and types; setLearningRate;
// predict and activations with wrong lengths, NaN, strings; loadModel with random and mutated
// bytes). Each must resolve, or reject with an Error that has a message, within a time limit;
// nothing may reach the console as an error; and a refused one leaves state() (settings, step)
// and the prediction for a fixed image as they were. Prints how many of each class were
// accepted and refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground } from "./page_helpers.mjs";

/** Runs in the page: the whole API fuzz, seeded; returns counts and any failures. */
async function apiFuzz({ seed, cases }) {
  const pg = window.playground;
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const VALUES = [NaN, Infinity, -Infinity, -1, 0, 1e-9, 0.001, 0.01, 0.5, 1, 2, 8, 10, 10.5, 45, 1e9, 2 ** 53, 32, 64, 1024, 1025,
    "abc", "", "0.01", "1e-3", null, undefined, true, false, [], [0.1], {}, { kind: "sgd" }, "mlp", "cpu", "sgd", "momentum"];
  const KEYS = ["lr", "l2", "batch", "shift", "rotate", "validation", "seed", "optimizer", "augment", "workers", "backend",
    "model", "weightDecay", "lR", "dataset", "epochs", "learning_rate", "constructor"];
  const fixed = Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 100);
  const fingerprint = async () => {
    const st = pg.state();
    const settings = JSON.stringify([st.model, st.batch, st.optimizer, st.augment, st.validation, st.lr, st.workersSetting]);
    return { settings, step: st.step, probs: JSON.stringify(await pg.predict(fixed)) };
  };
  const withTimeout = (p, ms) =>
    Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error(`HANG: no answer in ${ms} ms`)), ms))]);
  const exported = await pg.exportModel();
  const mutate = (bytes) => {
    const b = Uint8Array.from(bytes);
    const kind = Math.floor(rnd() * 4);
    const header = 8 + Number(new DataView(b.buffer).getBigUint64(0, true));
    if (kind === 0) return b.slice(0, Math.floor(rnd() * b.length)); // truncated
    if (kind === 1) {
      b[Math.floor(rnd() * header)] ^= 1 << Math.floor(rnd() * 8); // header bit flip
      return b;
    }
    if (kind === 2) {
      new DataView(b.buffer).setBigUint64(0, pick([2n ** 63n, 2n ** 40n, BigInt(b.length), 0n]), true); // header length lies
      return b;
    }
    new DataView(b.buffer).setFloat32(header + 4 * Math.floor(rnd() * 1000), pick([NaN, Infinity, -Infinity]), true); // NaN weights
    return b;
  };
  const classes = {};
  const failures = [];
  let base = await fingerprint();
  for (let i = 0; i < cases; i++) {
    const cls = pick(["configure", "configure", "configure", "setLearningRate", "predict", "activations", "loadModel"]);
    let call, what;
    if (cls === "configure") {
      const opts = {};
      for (let k = 0; k <= Math.floor(rnd() * 2); k++) opts[pick(KEYS)] = pick(VALUES);
      // Whole-object arguments of the wrong kind, now and then.
      const arg = rnd() < 0.1 ? pick([null, 5, "lr=1", [opts]]) : opts;
      what = `configure(${JSON.stringify(arg)})`;
      call = () => pg.configure(arg);
    } else if (cls === "setLearningRate") {
      const v = pick(VALUES);
      what = `setLearningRate(${String(v)})`;
      call = () => pg.setLearningRate(v);
    } else if (cls === "predict" || cls === "activations") {
      const len = pick([784, 784, 784, 0, 783, 785]);
      let px = Array.from({ length: len }, () => rnd());
      const spoil = pick(["none", "nan", "range", "string", "null", "whole"]);
      if (spoil !== "none" && len) px[Math.floor(rnd() * len)] = { nan: NaN, range: pick([-0.1, 1.5, 1e30]), string: "0.5", null: null }[spoil];
      if (spoil === "whole") px = pick([null, "pixels", 42, { length: 784 }]);
      what = `${cls}(${spoil}, ${len} values)`;
      call = () => pg[cls](px);
    } else {
      const bytes = rnd() < 0.3 ? Uint8Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)) : mutate(exported);
      const arg = rnd() < 0.1 ? pick([null, "bytes", 7, [1, 2]]) : bytes;
      what = `loadModel(${arg && arg.length !== undefined ? arg.length + " bytes" : String(arg)})`;
      call = () => pg.loadModel(arg);
    }
    const tally = (classes[cls] ??= { accepted: 0, refused: 0 });
    let refused = null;
    try {
      await withTimeout(Promise.resolve().then(call), 30_000);
    } catch (e) {
      refused = e;
    }
    if (refused) {
      tally.refused++;
      if (!(refused instanceof Error) || !refused.message || /^HANG/.test(refused.message)) {
        failures.push(`${what}: ${refused instanceof Error ? refused.message || "(empty message)" : "not an Error: " + String(refused)}`);
        continue;
      }
      const now = await fingerprint();
      for (const key of ["settings", "step", "probs"]) {
        if (now[key] !== base[key]) failures.push(`${what} was refused (${refused.message}) but changed ${key}`);
      }
      base = now;
    } else {
      tally.accepted++;
      // An accepted value must not lock the other doors (issue 18: a rate of 1e9 got in through
      // setLearningRate, then every configure failed): a plain configure still goes through.
      try {
        await withTimeout(pg.configure({}), 30_000);
      } catch (e) {
        failures.push(`after ${what} was accepted, configure({}) failed: ${e.message}`);
      }
      base = await fingerprint(); // an accepted call may change things: the new baseline
    }
  }
  return { classes, failures };
}

/** Mutations of the address: values replaced by nasty tokens, unknown keys, cut and garbled text. */
function mutatedHashes(canonical, n, seed) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const TOKENS = ["", "NaN", "-1", "0", "1e9", "abc", "%ZZ", "Infinity", "0.5", "2", "1025", "11", "mlp", "custom", "{}", "%7B%22layers%22%3A1%7D"];
  const out = [];
  const parts = canonical.slice(1).split("&");
  for (let i = 0; i < n; i++) {
    const p = parts.slice();
    const at = Math.floor(rnd() * p.length);
    const kind = i % 5;
    if (kind === 0) p[at] = p[at].split("=")[0] + "=" + pick(TOKENS);
    else if (kind === 1) p.push(pick(["lR=0.1", "dataset=fashion", "x", "=", "lr=0.1&lr=5"]));
    else if (kind === 2) p.splice(at, 1);
    else if (kind === 3) p[at] = p[at].replace(/=.*/, "=" + pick(["0.02", "3", "0.2", "16"])); // often valid
    else p[at] = p[at].slice(0, Math.floor(rnd() * p[at].length));
    out.push("#" + p.join("&"));
  }
  return out;
}

test("the page's doors refuse or accept cleanly: no hang, no console error, nothing changed by a refusal", async () => {
  const app = await openPlayground("#model=mlp&backend=cpu&batch=32");
  try {
    const { page } = app;
    page.setDefaultTimeout(60_000);
    const counts = { address: { accepted: 0, refused: 0 } };
    const failures = [];
    // Addresses: the handler either shows why and puts the canonical address back, or applies
    // the settings (and then writes the canonical address of what it applied).
    const canonical = await page.evaluate(() => location.hash);
    for (const hash of mutatedHashes(canonical, 30, 7)) {
      const r = await page.evaluate(async (hash) => {
        const { fromHash } = await import("/js/config.js");
        const pg = window.playground;
        const before = JSON.stringify(pg.state().optimizer) + pg.state().batch + pg.state().step;
        const parsed = fromHash(hash);
        location.hash = hash;
        const t0 = performance.now();
        // Settled: the address is canonical again (or never changed), and nothing is building.
        for (;;) {
          await new Promise((r) => setTimeout(r, 50));
          const settled = !pg.state().predictionPending && location.hash !== hash.replace(/^#?/, "#");
          if (settled || (parsed.error === null && performance.now() - t0 > 3000)) break;
          if (performance.now() - t0 > 30_000) return { hang: true };
        }
        await pg.configure({}); // queue behind whatever the handler started
        const after = JSON.stringify(pg.state().optimizer) + pg.state().batch + pg.state().step;
        return { refused: parsed.error !== null, unchanged: before === after, message: document.getElementById("message-text")?.textContent ?? "" };
      }, hash);
      if (r.hang) failures.push(`address ${hash}: no answer`);
      else if (r.refused) {
        counts.address.refused++;
        if (!r.unchanged) failures.push(`address ${hash} was refused but changed the settings`);
        if (!/could not be read/.test(r.message)) failures.push(`address ${hash}: no message (${r.message})`);
      } else counts.address.accepted++;
    }
    // Back to known settings, then the API calls.
    await page.evaluate(() => window.playground.configure({ model: "mlp", backend: "cpu", batch: 32, optimizer: "adam", lr: 0.001, workers: 1 }));
    // A spec inside every layer's limits that needs gigabytes is refused with a message, and the
    // engine (which would otherwise abort on the allocation) keeps the current model.
    const huge = { input: [1, 28, 28], layers: [{ type: "conv2d", filters: 512, kernel: 3, padding: "same" }, { type: "flatten" }, { type: "dense", units: 4096 }, { type: "dense", units: 10 }] };
    const hugeError = await page.evaluate((spec) => window.playground.configure({ model: spec }).then(() => null, (e) => e.message), huge);
    assert.match(hugeError ?? "accepted", /parameters; the most this playground trains is/);
    const api = await page.evaluate(apiFuzz, { seed: 18, cases: 260 });
    Object.assign(counts, api.classes);
    failures.push(...api.failures);
    for (const [cls, c] of Object.entries(counts)) console.log(`fuzz ${cls}: ${c.accepted + c.refused} cases, ${c.accepted} accepted, ${c.refused} refused`);
    assert.deepEqual(failures, []);
    for (const [cls, c] of Object.entries(counts)) assert.ok(c.refused > 0, `${cls}: something was refused`);
    // The page still works after all that.
    const p = await page.evaluate(() => window.playground.predict(new Array(784).fill(0.2)));
    assert.ok(p.length === 10 && p.every(Number.isFinite));
    app.check();
  } finally {
    await app.close();
  }
});
