// The hand-over of a split step through shared memory (the page is cross-origin isolated, so
// workers may share a SharedArrayBuffer): the engine worker writes the weights and the plan into
// it and wakes the helper with Atomics.notify; the helper writes its part's gradients and metrics
// back and wakes the engine. Each side copies in and out of its own wasm memory (the wasm is not
// built with shared memory). Against postMessage this saves the structured clone and transfer of
// the weights and gradients, the rpc bookkeeping and a promise chain per step; the wake-ups stay
// (two per step), and on a loaded machine they are what costs: Atomics.notify took 0.6-2 ms of
// the engine worker's time per MLP step at load 5-9 on 2 cores (the woken thread takes the
// notifier's core).
//
// Neither side polls for the other's word instead of sleeping: polling 2 ms first measured
// 0.3-0.5x the steps per second under that load (the spinning thread took the core the other
// needed). Both sides block in Atomics.wait only while steps follow each other (the engine within
// one training cycle, the helper for HOT_MS after a part); otherwise they wait with
// Atomics.waitAsync, so their event loops run: the engine's training loop yields between cycles
// as before, and the helper reads its messages (configure, injectFault) once told one is coming
// (MAIL).
//
// Layout (offsets in bytes, every region 8-aligned):
//   control  Int32[16]   REQ, DONE (request counters); (unused); START, END; COUNT (indices),
//                        TRANSFORMS (floats); SEED; STATUS (0 ok, 1 failed); ERROR_BYTES; MAIL
//   metrics  Float64[4]  lossSum, correct, samples, sentAt (the helper's clock, for Balance)
//   indices  Uint32[batch]; transforms Float32[6 batch]; params Float32[n]; grads Float32[n];
//   error    Uint8[ERROR_BYTES_MAX] (the helper's failure, UTF-8)

export const REQ = 0;
export const DONE = 1;
const START = 3;
const END = 4;
const COUNT = 5;
const TRANSFORMS = 6;
const SEED = 7;
const STATUS = 8;
const ERROR_BYTES = 9;
const MAIL = 10; // 1: a message is on its way to the helper, so it should let its event loop run

const ERROR_BYTES_MAX = 1024;
// How long the helper keeps blocking for the next part before it lets its event loop run.
const HOT_MS = 50;
// How long the engine blocks for a part before it waits without blocking, so its event loop (the
// page's messages, a dead helper's `error` event) waits at most its own part's compute plus this
// (the training loop's interactive cycle).
const BLOCK_MS = 20;

const align8 = (bytes) => Math.ceil(bytes / 8) * 8;

/** Whether this worker may share memory with another (a cross-origin isolated page). */
export const canShare = () =>
  typeof SharedArrayBuffer === "function" &&
  globalThis.crossOriginIsolated === true &&
  typeof Atomics.waitAsync === "function";

/** Views of one shared hand-over buffer for a batch of `batch` and `n` parameters. */
export class SharedStep {
  static create(batch, n) {
    const bytes = 64 + 32 + align8(4 * batch) + align8(24 * batch) + 8 * n + ERROR_BYTES_MAX;
    return new SharedStep(new SharedArrayBuffer(bytes), batch, n);
  }

  constructor(buffer, batch, n) {
    this.buffer = buffer;
    this.batch = batch;
    this.n = n;
    let at = 0;
    const take = (Type, count) => {
      const view = new Type(buffer, at, count);
      at += align8(count * Type.BYTES_PER_ELEMENT);
      return view;
    };
    this.control = take(Int32Array, 16);
    this.metrics = take(Float64Array, 4);
    this.indices = take(Uint32Array, batch);
    this.transforms = take(Float32Array, 6 * batch);
    this.params = take(Float32Array, n);
    this.grads = take(Float32Array, n);
    this.error = take(Uint8Array, ERROR_BYTES_MAX);
  }

  /** What the helper needs to rebuild these views (a SharedArrayBuffer is shared, not copied). */
  get message() {
    return { buffer: this.buffer, batch: this.batch, n: this.n };
  }

  // ---- engine side ----

  /** Ask for samples `start..end` of `plan` on the weights already in `params`. */
  request(plan, start, end) {
    const c = this.control;
    this.indices.set(plan.indices);
    this.transforms.set(plan.transforms);
    c[COUNT] = plan.indices.length;
    c[TRANSFORMS] = plan.transforms.length;
    c[SEED] = plan.seed;
    c[START] = start;
    c[END] = end;
    Atomics.add(c, REQ, 1);
    Atomics.notify(c, REQ);
  }

  /** A message is on its way to the helper: wake it so it stops blocking and reads it. */
  mail() {
    Atomics.store(this.control, MAIL, 1);
    Atomics.notify(this.control, REQ);
  }

  /**
   * The helper's answer to the last part request: `{grads, lossSum, correct, samples, sentAt}`
   * (grads: the shared view, valid until the next request). Blocks up to BLOCK_MS, then waits
   * without blocking until `limitMs` have passed, or `lost` (a promise that rejects when the
   * helper dies) rejects. Throws with the helper's message when its part failed.
   */
  async answer(limitMs, lost) {
    const c = this.control;
    const req = Atomics.load(c, REQ);
    const t0 = performance.now();
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done === req) break;
      const waited = performance.now() - t0;
      if (waited >= limitMs) throw new Error(`it did not answer within ${Math.round(limitMs / 1000)} s`);
      if (waited < BLOCK_MS) {
        Atomics.wait(c, DONE, done, BLOCK_MS - waited);
      } else {
        const { value } = Atomics.waitAsync(c, DONE, done, limitMs - waited);
        await Promise.race([value, lost]);
      }
    }
    if (c[STATUS] !== 0) {
      const bytes = this.error.slice(0, c[ERROR_BYTES]);
      throw new Error(new TextDecoder().decode(bytes));
    }
    const [lossSum, correct, samples, sentAt] = this.metrics;
    return { grads: this.grads, lossSum, correct, samples, sentAt };
  }

  // ---- helper side ----

  /** The current request's plan and part (copied out of shared memory by the wasm). */
  plan() {
    const c = this.control;
    return {
      plan: {
        indices: this.indices.subarray(0, c[COUNT]),
        transforms: this.transforms.subarray(0, c[TRANSFORMS]),
        seed: c[SEED] >>> 0,
      },
      start: c[START],
      end: c[END],
    };
  }

  /** Answer request `req`: the part's metrics (grads are already in `grads`), or `error`. */
  reply(req, part, error) {
    const c = this.control;
    if (error) {
      const bytes = new TextEncoder().encode(error).subarray(0, ERROR_BYTES_MAX);
      this.error.set(bytes);
      c[ERROR_BYTES] = bytes.length;
      c[STATUS] = 1;
    } else {
      c[STATUS] = 0;
      this.metrics.set([part.lossSum, part.correct, part.samples, performance.timeOrigin + performance.now()]);
    }
    Atomics.store(c, DONE, req);
    Atomics.notify(c, DONE);
  }

  /**
   * The helper's loop: run `part()` (which fills `grads` and resolves to its metrics) for every
   * part request until another buffer replaces this one (`current()` false; wake it with
   * `mail()`). Blocks between parts while they come quickly; otherwise, or when told a message is
   * coming, waits without blocking so the helper's messages get read.
   */
  async serve(part, current) {
    const c = this.control;
    // The last request answered: one sent before this loop started is still served.
    let seen = Atomics.load(c, DONE);
    let hot = false;
    while (current()) {
      if (Atomics.load(c, REQ) === seen) {
        if (Atomics.exchange(c, MAIL, 0) === 1) hot = false;
        if (hot) {
          if (Atomics.wait(c, REQ, seen, HOT_MS) === "timed-out") hot = false;
        } else {
          await Atomics.waitAsync(c, REQ, seen).value;
        }
        continue;
      }
      seen = Atomics.load(c, REQ);
      hot = true;
      try {
        this.reply(seen, await part(this.plan()));
      } catch (e) {
        this.reply(seen, null, e?.message || String(e));
      }
    }
  }
}
