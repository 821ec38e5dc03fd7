// Two workers train one model (data parallel, CPU backend only), engine-worker side. A helper
// Web Worker (www/workers/grad.js) with its own wasm instance computes the second part of every
// batch while this worker computes the first; the parts' gradients are summed here and the
// update runs here. The result is the step one worker takes on the same batch (same samples,
// augmentation and dropout masks; the sum differs from one pass only by float rounding).
//
// Only this worker has an optimizer: the weights go to the helper with every step and its
// gradients come back. That costs the same traffic as a helper keeping its own optimizer in
// step (then the summed gradients would travel instead), saves it the update, and leaves nothing
// to keep in sync on a rebuild, a load, a NaN rollback or a rate change.
//
// The hand-over goes through shared memory with Atomics (www/workers/shared_step.js) where the
// page is cross-origin isolated, else by postMessage (transferred buffers). The next step's
// batch is planned while the helper still computes (plans are drawn in order either way, so
// the steps do not change).
import { connect, transfer } from "../js/rpc.js";
import { workerUrl } from "../js/wasm_build.js";
import { validateWorkers } from "../js/settings.js";
import { SharedStep, canShare } from "./shared_step.js";

// Starting the helper (wasm, MNIST) and building its model; past this it counts as failed.
const START_LIMIT_MS = 60_000;
// A part's answer may take this long, or 20 times what our own part took, whichever is more.
const REPLY_LIMIT_MS = 10_000;

export class GradHelper {
  /** `onFail(reason)` is called once when the helper stops working (start, crash or time-out). */
  constructor(onFail) {
    this.onFail = onFail;
    this.failed = null;
    this.key = null;
    this.configured = null;
    // A reused array (a fresh 400 kB array cost ~0.35 ms a step here, ten times the copy into
    // it) where memory is not shared: it goes to the helper with the weights and comes back
    // with its gradients.
    this.spare = undefined;
    this.shared = null; // SharedStep the helper serves, once sent
    // Rejects when the helper fails: a wait for its answer in shared memory ends with it.
    this.lost = new Promise((_, reject) => (this.loseWith = reject));
    this.lost.catch(() => {});
    this.worker = new Worker(workerUrl(new URL("./grad.js", import.meta.url)), { type: "module" });
    this.client = connect(this.worker, { name: "second training worker" });
    // The client rejects calls in flight when the worker dies; a helper that dies idle fails too.
    this.worker.addEventListener("error", (e) => this.fail(e.message || "the helper worker could not start"));
    this.started = this.within(this.call("init"), START_LIMIT_MS, "start");
    this.started.catch((e) => this.fail(e));
  }

  call(op, args = {}) {
    if (this.failed) return Promise.reject(new Error(this.failed));
    const reply = this.client.call(op, args);
    // A helper blocked waiting for the next part would not read the message for a while.
    this.shared?.mail();
    return reply;
  }

  /**
   * A shared hand-over buffer for `batch` samples and `n` parameters, sent to the helper;
   * resolves to the SharedStep once the helper serves it (only where `canShare()`).
   */
  async share(batch, n) {
    const shared = SharedStep.create(batch, n);
    await this.within(this.call("share", shared.message), REPLY_LIMIT_MS, "take the shared buffer");
    this.shared = shared;
    return shared;
  }

  /** `promise`, or a rejection saying the helper did not `what` within `ms`. */
  within(promise, ms, what) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`it did not ${what} within ${Math.round(ms / 1000)} s`)), ms);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  /**
   * Make the helper's session match the engine's: same model, batch and validation split, and
   * the same data (`data`: Workers.data, the stage of the training set and the own examples).
   */
  prepare(info, config, data) {
    const key = JSON.stringify([info.spec, info.batch, config.validation, data.stage, data.own?.version ?? 0]);
    if (key !== this.key) {
      this.key = key;
      const cfg = { model: info.spec, batch: info.batch, validation: config.validation };
      const args = { config: cfg, stage: data.stage, own: data.own };
      this.configured = this.started.then(() =>
        this.within(this.call("configure", args), START_LIMIT_MS, "build the model"),
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
    this.client.close(reason);
    this.loseWith(new Error(reason));
  }
}

/**
 * Where each step's batch is cut. Besides its part, this worker plans the step, hands out the
 * weights and runs the update, and the helper's part has to travel, so equal halves seldom end
 * together. Every BALANCE_STEPS steps the cut moves by the samples that would have made both
 * parts end at once on average, from how late the helper sent its answer against when our part
 * ended (on the clock both workers share, performance.timeOrigin + performance.now()). A move of
 * less than one sample is dropped, so the cut settles: a new cut costs both workers a new
 * workspace. Where the cut lies changes only the float rounding of the sum.
 */
export class Balance {
  constructor(batch) {
    this.batch = batch;
    this.split = batch >> 1;
    this.ownMs = 0; // summed over the steps since the cut last moved, as is lateMs
    this.lateMs = 0;
    this.steps = 0;
  }

  /** `lateMs`: the helper's answer was sent this long after our part ended (< 0: before). */
  record(ownMs, lateMs) {
    this.ownMs += ownMs;
    this.lateMs += lateMs;
    if (++this.steps < BALANCE_STEPS) return;
    // One sample moved lengthens one side and shortens the other by about this much each.
    const move = this.lateMs / ((2 * this.ownMs) / this.split);
    this.ownMs = this.lateMs = this.steps = 0;
    if (!(Math.abs(move) >= 1)) return;
    this.split = Math.max(1, Math.min(this.batch - 1, this.split + Math.round(move)));
  }
}

// How many steps' timings the cut waits for before it moves. One step's lateness jitters by
// several samples' worth on a shared machine (an MLP step: about +-0.1 ms against 0.025 ms a
// sample), and a cut that followed each step moved every step (measured: between 48 and 72 of
// 128 within seconds), each time with a new workspace on both sides.
const BALANCE_STEPS = 8;

/** Now, on a clock that the engine worker and its helper share. */
export const sharedNow = () => performance.timeOrigin + performance.now();

/**
 * One training step on `plan`: samples 0..balance.split here, the rest in the helper. Resolves
 * to the next step's plan when `more` (drawn while the helper computes), else null. If the
 * helper fails on the way this worker computes the whole step, so the step (and the run) is the
 * same either way.
 */
export async function splitStep(session, helper, balance, plan, more) {
  const { batch, split } = balance;
  let shared = null;
  let theirs;
  if (canShare()) {
    shared = helper.shared?.batch === batch ? helper.shared : null;
    const params = await session.paramsFlat(shared?.params);
    if (params.buffer !== shared?.buffer) {
      // A new model or batch: a buffer of its size (written straight into from then on).
      try {
        shared = await helper.share(batch, params.length);
      } catch (e) {
        helper.fail(e);
        return finishAlone(session, plan, more);
      }
      shared.params.set(params);
    }
    shared.request(plan, split, batch);
  } else {
    const params = await session.paramsFlat(helper.spare);
    helper.spare = undefined;
    theirs = helper.call("gradients", transfer({ params, plan, start: split, end: batch }, [params.buffer]));
    theirs.catch(() => {});
  }
  const t0 = performance.now();
  // Our part's gradients stay in our wasm memory; the helper's are added to them there.
  await session.ownGradients(plan, 0, split);
  const next = more ? await session.planStep() : null;
  const ownEnd = sharedNow();
  const ownMs = performance.now() - t0;
  const limit = Math.max(REPLY_LIMIT_MS, 20 * ownMs);
  let other;
  try {
    other = shared ? await shared.answer(limit, helper.lost) : await helper.within(theirs, limit, "answer");
    if (Number.isFinite(other.sentAt)) balance.record(ownMs, other.sentAt - ownEnd);
  } catch (e) {
    helper.fail(e);
    // The step in one pass here (no part of ours is kept to add theirs to once we compute it).
    await finishAlone(session, plan, false);
    return next;
  }
  if (!shared) helper.spare = other.grads;
  await session.finishStepAdding(other);
  return next;
}

/** `plan`'s step in this worker alone, in one pass (the helper failed on the way). */
async function finishAlone(session, plan, more) {
  await session.finishStep([await session.gradients(plan, 0, plan.indices.length)]);
  return more ? session.planStep() : null;
}

// Under 'auto', how many loop cycles pass between two timings of the count not in use.
const RECHECK_EVERY = 16;

/**
 * 'auto' between one and two workers: the training loop times both (ms per step) and trains
 * with the faster. Two run first; one cycle in three early on, then one in RECHECK_EVERY, goes
 * to the other count so its time stays current (another program's load, wasm tier-up in a new
 * helper). The two give the same steps, so switching never changes the run.
 */
export class WorkerChoice {
  constructor() {
    this.ms = { 1: null, 2: null };
    this.cycles = 0;
  }

  best() {
    const { 1: one, 2: two } = this.ms;
    return one !== null && two !== null && one < two ? 1 : 2;
  }

  next() {
    this.cycles += 1;
    const best = this.best();
    const every = this.cycles <= 12 ? 3 : RECHECK_EVERY;
    return this.cycles % every === 0 ? 3 - best : best;
  }

  /** A cycle's time per step with `count` workers (a recheck replaces the old time). */
  record(count, msPerStep, recheck) {
    const old = this.ms[count];
    this.ms[count] = old === null || recheck ? msPerStep : 0.7 * old + 0.3 * msPerStep;
  }
}

/**
 * The engine worker's training workers: the setting (1, 2 or 'auto'), the helper, where the
 * batch is cut and, under 'auto', the timing of both counts. `onChange(note?)` is called when the
 * number shown to the user changes, with a note when the helper failed.
 */
export class Workers {
  constructor(onChange) {
    this.onChange = onChange;
    this.wanted = (globalThis.navigator?.hardwareConcurrency ?? 1) >= 2 ? "auto" : 1;
    this.helper = null;
    this.balance = null;
    this.choice = new WorkerChoice();
    // What the helper must train on besides the model: the training set's stage key
    // ('mnist:first', 'mnist:full', 'fashion:full': www/workers/data.js DataSets) and the own
    // examples ({images, labels, version} or null).
    this.data = { stage: "mnist:first", own: null };
  }

  /** 1, 2 or 'auto'; anything else throws. Resolves once a wanted helper is starting. */
  set(wanted, info, config) {
    this.wanted = validateWorkers(wanted);
    if (wanted === 1 && this.helper) {
      this.helper.close();
      this.helper = null;
    }
    this.engage(info, config);
  }

  /** A new session (or setting): start the helper if it may train, and time counts afresh. */
  engage(info, config) {
    this.choice = new WorkerChoice();
    if (this.wanted === 1 || !info || info.kind !== "cpu" || info.batch < 2) return;
    if (!this.helper || this.helper.failed) {
      this.helper = new GradHelper((reason) =>
        this.onChange(`The second training worker stopped (${reason}); training goes on in one worker.`),
      );
    }
    this.helper.prepare(info, config, this.data);
  }

  /**
   * Settles when the helper has loaded (or failed to): until then its fetches are in flight,
   * and a page that is left aborts them. Never rejects.
   */
  started() {
    return this.helper ? this.helper.started.catch(() => {}) : Promise.resolve();
  }

  usable(info) {
    const h = this.helper;
    return this.wanted !== 1 && h && !h.failed && info && info.kind === "cpu" && info.batch >= 2;
  }

  /** How many workers train (for the user): under 'auto', the faster count so far. */
  shown(info) {
    if (!this.usable(info)) return 1;
    return this.wanted === 2 ? 2 : this.choice.best();
  }

  /** How many train the next cycle; `timed`: a loop cycle, whose time 'auto' learns from. */
  pick(info, timed) {
    if (!this.usable(info)) return 1;
    if (this.wanted === 2) return 2;
    return timed ? this.choice.next() : this.choice.best();
  }

  /** `steps` steps with `count` workers (one if the helper fails); resolves to their ms. */
  async train(session, info, config, steps, count) {
    if (count === 2) {
      try {
        await this.helper.prepare(info, config, this.data);
      } catch (e) {
        this.helper.fail(e);
      }
    }
    const t0 = performance.now();
    let plan = null; // the next step's batch, once planned
    for (let done = 0; done < steps; done++) {
      if (count !== 2 || !this.usable(info)) {
        // A batch already planned is the next step's: it runs here before the rest.
        const rest = steps - done - (plan ? 1 : 0);
        if (plan) await finishAlone(session, plan, false);
        if (rest > 0) await session.train(rest);
        break;
      }
      if (this.balance?.batch !== info.batch) this.balance = new Balance(info.batch);
      plan = await splitStep(session, this.helper, this.balance, plan ?? (await session.planStep()), done + 1 < steps);
    }
    return performance.now() - t0;
  }

  /** Learn from a loop cycle's time; tells `onChange` when the faster count changed. */
  record(info, count, msPerStep) {
    if (this.wanted !== "auto" || !this.usable(info)) return;
    const before = this.choice.best();
    this.choice.record(count, msPerStep, count !== before);
    if (this.choice.best() !== before) this.onChange();
  }
}
