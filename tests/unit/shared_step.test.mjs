// The shared-memory hand-over of a split step (www/workers/shared_step.js) between two real
// threads (Node worker_threads; the page's are Web Workers): requests arrive whole and answers
// come back whole, step after step; a message reaches a helper that blocks between parts; a
// failed part comes back as its error; a helper that dies or stalls ends the wait, never hangs it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { SharedStep } from "../../www/workers/shared_step.js";

const BATCH = 16;
const N = 1000;

function startHelper() {
  const shared = SharedStep.create(BATCH, N);
  const worker = new Worker(new URL("./shared_step_worker.mjs", import.meta.url), { workerData: shared.message });
  let loseWith;
  const lost = new Promise((_, reject) => (loseWith = reject));
  lost.catch(() => {});
  worker.on("error", (e) => loseWith(e));
  worker.on("exit", () => loseWith(new Error("the helper exited")));
  /** Send `msg` and wait for the helper's "ok" (mail() wakes it if it blocks between parts). */
  const tell = (msg) => {
    const ack = new Promise((resolve) => worker.once("message", resolve));
    worker.postMessage(msg);
    shared.mail();
    return ack;
  };
  return { shared, worker, lost, tell };
}

function plan(step, augment) {
  const indices = Uint32Array.from({ length: BATCH }, (_, i) => (step * 7 + i * 13) % 1000);
  const transforms = augment ? Float32Array.from({ length: 6 * BATCH }, (_, i) => (i % 6) + step) : new Float32Array(0);
  return { indices, transforms, seed: (step * 2654435761) >>> 0 };
}

test("steps hand over weights, plan and gradients whole, one after another", async () => {
  const { shared, worker, lost } = startHelper();
  try {
    for (let step = 0; step < 200; step++) {
      const p = plan(step, step % 2 === 0);
      const start = 1 + (step % (BATCH - 1));
      for (let i = 0; i < N; i++) shared.params[i] = step + i / N;
      shared.request(p, start, BATCH);
      const a = await shared.answer(10_000, lost);
      let indexSum = 0;
      for (let i = start; i < BATCH; i++) indexSum += p.indices[i];
      const transformSum = p.transforms.reduce((s, t) => s + t, 0);
      assert.equal(a.samples, BATCH - start, `step ${step}`);
      assert.equal(a.correct, BATCH);
      assert.equal(a.lossSum, transformSum + p.seed, `step ${step}: transforms and seed`);
      for (const i of [0, 1, N >> 1, N - 1]) {
        assert.equal(a.grads[i], Math.fround(2 * Math.fround(step + i / N) + indexSum), `step ${step}, value ${i}`);
      }
      assert.ok(Number.isFinite(a.sentAt));
    }
  } finally {
    await worker.terminate();
  }
});

test("a failed part answers with its error, and the helper serves on", async () => {
  const { shared, worker, lost, tell } = startHelper();
  try {
    shared.request(plan(1, false), 4, BATCH);
    await shared.answer(10_000, lost);
    // The helper now blocks for the next part: the message must still get in.
    await tell({ fault: "simulated helper crash" });
    shared.request(plan(2, false), 4, BATCH);
    await assert.rejects(shared.answer(10_000, lost), /simulated helper crash/);
    shared.request(plan(3, false), 4, BATCH);
    assert.equal((await shared.answer(10_000, lost)).samples, BATCH - 4);
  } finally {
    await worker.terminate();
  }
});

test("a helper that stalls times out, and one that dies ends the wait", async () => {
  const { shared, worker, lost, tell } = startHelper();
  try {
    await tell({ hang: true });
    shared.request(plan(1, false), 4, BATCH);
    await assert.rejects(shared.answer(400, lost), /did not answer within/);
    // Past the blocking phase the wait listens for the helper's end.
    setTimeout(() => worker.terminate(), 400);
    await assert.rejects(shared.answer(60_000, lost), /the helper exited/);
  } finally {
    await worker.terminate();
  }
});
