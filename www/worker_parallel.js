// Two workers train one model (data parallel, CPU backend only), engine-worker side. A helper
// Web Worker (www/grad_worker.js) with its own wasm instance computes the second part of every
// batch while this worker computes the first; the parts' gradients are summed here and the
// update runs here. The result is the step one worker takes on the same batch (same samples,
// augmentation and dropout masks; the sum differs from one pass only by float rounding).
//
// Only this worker has an optimizer: the weights go to the helper with every step (transferred,
// not copied) and its gradients come back. That costs the same traffic as a helper keeping its
// own optimizer in step (then the summed gradients would travel instead), saves it the update,
// and leaves nothing to keep in sync on a rebuild, a load, a NaN rollback or a rate change.

// Starting the helper (wasm, MNIST) and building its model; past this it counts as failed.
const START_LIMIT_MS = 60_000;
// A part's answer may take this long, or 20 times what our own part took, whichever is more.
const REPLY_LIMIT_MS = 10_000;

export class GradHelper {
  /** `onFail(reason)` is called once when the helper stops working (start, crash or time-out). */
  constructor(onFail) {
    this.onFail = onFail;
    this.failed = null;
    this.pending = new Map();
    this.nextId = 1;
    this.key = null;
    this.configured = null;
    this.worker = new Worker(new URL("./grad_worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = (e) => this.settle(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      this.fail(e.message || "the helper worker could not start");
    };
    this.started = this.within(this.call("init"), START_LIMIT_MS, "start");
    this.started.catch((e) => this.fail(e));
  }

  call(op, args = {}, transfer = []) {
    if (this.failed) return Promise.reject(new Error(this.failed));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  settle({ id, ok, result, error }) {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (p) ok ? p.resolve(result) : p.reject(new Error(error));
  }

  /** `promise`, or a rejection saying the helper did not `what` within `ms`. */
  within(promise, ms, what) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`it did not ${what} within ${Math.round(ms / 1000)} s`)), ms);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  /** Make the helper's session match the engine's: same model, batch and validation split. */
  prepare(info, config) {
    const key = JSON.stringify([info.spec, info.batch, config.validation]);
    if (key !== this.key) {
      this.key = key;
      const cfg = { model: info.spec, batch: info.batch, validation: config.validation };
      this.configured = this.started.then(() =>
        this.within(this.call("configure", { config: cfg }), START_LIMIT_MS, "build the model"),
      );
      this.configured.catch(() => {});
    }
    return this.configured;
  }

  /** The helper stops for good; whatever it was asked is answered with `reason`. */
  fail(reason) {
    if (this.failed) return;
    this.close(reason?.message ?? String(reason));
    this.onFail(this.failed);
  }

  close(reason = "closed") {
    if (this.failed) return;
    this.failed = reason;
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
  }
}

/**
 * One training step split at sample `split` of `batch`: samples 0..split here, the rest in the
 * helper. If the helper fails on the way this worker computes its part too, so the step (and the
 * run) is the same either way. Resolves to `{ownMs, helperMs}`.
 */
export async function splitStep(session, helper, batch, split) {
  const plan = await session.planStep();
  const params = await session.paramsFlat();
  const theirs = helper.call("gradients", { params, plan, start: split, end: batch }, [params.buffer]);
  theirs.catch(() => {});
  const t0 = performance.now();
  const mine = await session.gradients(plan, 0, split);
  const ownMs = performance.now() - t0;
  let other;
  try {
    other = await helper.within(theirs, Math.max(REPLY_LIMIT_MS, 20 * ownMs), "answer");
  } catch (e) {
    helper.fail(e);
    other = await session.gradients(plan, split, batch);
  }
  await session.finishStep([mine, other]);
  return { ownMs, helperMs: other.ms ?? null };
}
