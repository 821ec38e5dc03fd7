// The engine worker's training loop: train in chunks sized so one train+metrics cycle takes
// about TARGET_CYCLE_MS, post the metrics, read gradient-flow stats now and then, and evaluate
// on the validation split (and the test set at an epoch end) without costing more than ~10% of
// the training time: an epoch end's evaluations wait for the budget too, so a model whose epoch
// trains faster than a t10k pass (the MLP: ~0.2 s an epoch) is tested every few epochs, not
// every epoch at half its training rate.

// Long enough to amortise the round trip, short enough that a prediction or a pause is answered
// quickly.
const TARGET_CYCLE_MS = 90;
// While someone is drawing (engine predictions arriving), cycles are shorter and evaluations
// wait, so a prediction queues behind at most ~20 ms of training.
const INTERACTIVE_CYCLE_MS = 20;
const INTERACTIVE_FOR_MS = 1500;
const MAX_CHUNK = 64;
const STATS_EVERY = 10; // steps between layerStats() reads (gradient-flow charts)

export class TrainingLoop {
  /** `engine`: the Engine (session, info, serial, post, fault, trainSteps, weightsChanged). */
  constructor(engine) {
    this.engine = engine;
    this.training = false;
    this.done = Promise.resolve();
    this.autoTest = true;
    this.evalRate = null; // images per ms seen in the last evaluation, to size automatic ones
    this.interactiveUntil = 0;
    this.injected = null; // a failure to raise at the next cycle (tests of the fault paths)
    this.channel = null;
    this.reset();
  }

  /** A new session: its steps count from 0 and its chunk size is learnt afresh. */
  reset() {
    this.chunk = 1;
    this.lastStatsStep = -Infinity;
    this.lastEpoch = 0;
    this.epochEvalDue = null; // step of an epoch end whose evaluations were deferred
    this.lastStep = -1;
    this.evalBudgetMs = 0; // training time to accumulate before the next periodic validation
  }

  /** The session went back to a snapshot (`{step, epoch}`): count on from there. */
  resumedAt({ step, epoch }) {
    this.lastStep = step - 1;
    this.lastEpoch = epoch;
    this.epochEvalDue = null;
    this.lastStatsStep = -Infinity;
  }

  start() {
    if (this.training || !this.engine.session) return;
    this.training = true;
    this.done = this.run();
  }

  async stop() {
    this.training = false;
    await this.done;
  }

  // On the CPU every engine promise settles as a microtask, so a loop of them would never let the
  // worker's message handler run (no pause, no prediction). Each cycle yields to the task queue
  // through a MessageChannel (a timeout would be clamped to 4 ms), made on first use.
  yieldToEvents() {
    if (!this.channel) {
      this.wakers = [];
      this.channel = new MessageChannel();
      this.channel.port1.onmessage = () => this.wakers.shift()?.();
    }
    return new Promise((resolve) => {
      this.wakers.push(resolve);
      this.channel.port2.postMessage(0);
    });
  }

  /** Predictions are arriving from the pen: keep cycles short (and one worker) for a while. */
  markInteractive() {
    this.interactiveUntil = performance.now() + INTERACTIVE_FOR_MS;
  }

  get interactive() {
    return performance.now() < this.interactiveUntil;
  }

  async run() {
    this.engine.status();
    while (this.training) {
      try {
        await this.cycle(this.chunk, true);
        await this.yieldToEvents();
      } catch (e) {
        // After a GPU failure the loop carries on with the CPU session fault() built.
        if (!(await this.engine.fault(e, true))) this.training = false;
      }
    }
    this.engine.status();
  }

  /** `steps` steps, their metrics, and whatever stats or evaluations are due. */
  async cycle(steps, adapt) {
    const e = this.engine;
    if (this.injected) {
      const text = this.injected;
      this.injected = null;
      throw new Error(text);
    }
    const t0 = performance.now();
    await e.trainSteps(steps, adapt);
    const records = await e.withSession((s) => s.metrics());
    const ms = performance.now() - t0;
    const interactive = this.interactive;
    if (adapt) {
      const target = interactive ? INTERACTIVE_CYCLE_MS : TARGET_CYCLE_MS;
      const next = Math.round((this.chunk * target) / Math.max(ms, 1));
      this.chunk = Math.max(1, Math.min(MAX_CHUNK, next, this.chunk * 2));
    }
    const last = records[records.length - 1];
    if (last) {
      this.lastStep = last.step;
      e.weightsChanged(!this.training);
    }
    const samples = records.length * e.info.batch;
    e.post("metrics", { records, ms, samplesPerSec: ms > 0 ? (samples * 1000) / ms : 0, chunk: this.chunk });
    this.evalBudgetMs -= ms;
    if (last && last.step - this.lastStatsStep >= STATS_EVERY) {
      this.lastStatsStep = last.step;
      const stats = await e.withSession((s) => s.layerStats());
      e.post("stats", { step: last.step, stats });
    }
    if (last && last.epoch !== this.lastEpoch) {
      this.lastEpoch = last.epoch;
      this.epochEvalDue = last.step;
    }
    if (interactive) return records;
    if (this.epochEvalDue !== null && this.evalBudgetMs <= 0) {
      // The weights evaluated are the ones after this cycle: the epoch end, or a later step when
      // the budget held the evaluations back.
      const at = last?.step ?? this.epochEvalDue;
      this.epochEvalDue = null;
      const t0 = performance.now();
      await this.evaluate("validation", undefined, at, true);
      // The automatic test run takes at most ~3 s (a CNN on the CPU would take far longer on all
      // 10k images); the Test button evaluates everything.
      if (this.autoTest) {
        const testSize = e.dataset.testSize;
        const limit = this.evalRate ? Math.max(1000, Math.min(testSize, Math.round(this.evalRate * 3000))) : undefined;
        await this.evaluate("test", limit, at, true);
      }
      this.evalBudgetMs = Math.max(9 * (performance.now() - t0), 2000);
    } else if (last && this.evalBudgetMs <= 0 && e.info.validationSize > 0) {
      await this.evaluate("validation", undefined, last.step, true);
    }
    return records;
  }

  async evaluate(which, limit, step, auto = false) {
    const e = this.engine;
    if (which === "validation" && e.info.validationSize === 0) return null;
    if (which === "own" && !e.own.count) return null;
    const t0 = performance.now();
    const result = await e.withSession((s) => s.evaluate(which, limit));
    const ms = performance.now() - t0;
    this.evalRate = result.n / Math.max(ms, 1);
    // Periodic validation may cost at most ~10% of the training time.
    if (which === "validation") this.evalBudgetMs = Math.max(9 * ms, 2000);
    e.post("evaluation", { which, step: step ?? this.lastStep, auto, ms, result });
    // Early stopping (early_stop.js) judges every automatic validation.
    if (which === "validation" && auto) await e.validated(result, (step ?? this.lastStep) + 1);
    // The own examples' curve follows validation's (a few images: it costs next to nothing).
    if (which === "validation" && auto) await this.evaluate("own", undefined, step, auto);
    return result;
  }
}
