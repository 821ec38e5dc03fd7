// Early stopping on the validation loss, in the engine worker: after each automatic validation
// evaluation, a loss below the best so far keeps the weights (the session's `keepBest`);
// `patience` evaluations in a row without one stop training and, with `restore`, put the best
// weights back (`restoreBest`). Patience counts validation evaluations (one at each epoch end and
// the periodic ones between, www/workers/training_loop.js), not epochs. The setting is live:
// `configure({earlyStop: {patience, restore}})`, `null` turns it off.

export class EarlyStop {
  constructor() {
    this.setting = null;
    this.reset();
  }

  /** A new run (or new setting): nothing seen yet. */
  reset() {
    this.best = Infinity;
    this.bestStep = null;
    this.since = 0;
  }

  configure(setting) {
    const changed = JSON.stringify(setting) !== JSON.stringify(this.setting);
    this.setting = setting ?? null;
    if (changed) this.reset();
  }

  /**
   * One validation result at session step `step` (the steps trained so far). Resolves to null, or
   * to `{step, bestStep, bestLoss, patience, restored}` when training must stop.
   */
  async observe(session, loss, step) {
    const s = this.setting;
    if (!s || !Number.isFinite(loss)) return null;
    if (loss < this.best) {
      this.best = loss;
      this.bestStep = await session.keepBest();
      this.since = 0;
      return null;
    }
    this.since += 1;
    if (this.since < s.patience) return null;
    let restored = false;
    if (s.restore && this.bestStep !== null) {
      await session.restoreBest();
      restored = true;
    }
    const verdict = { step, bestStep: this.bestStep, bestLoss: this.best, patience: s.patience, restored };
    this.reset();
    return verdict;
  }
}
