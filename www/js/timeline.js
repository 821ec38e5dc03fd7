// The page's actions on the run's history (the engine keeps the snapshots, src/trainer/snapshots.rs):
// list the kept steps, show one of them in the whole "look inside" view, and resume training
// from one. Showing a step loads its weights into the predictor worker (engine_history.js), so
// everything the predictor computes (the pad's bars, saliency, activations) follows the step
// with no second code path; the engine's own weights and training go on untouched.
//
// Steps here are the run's (the store's), the engine's are the session's: `stepOffset` apart.

export class Timeline {
  constructor(store, app) {
    this.store = store;
    this.app = app;
    this.viewing = Promise.resolve(); // views are applied one after the other, in call order
  }

  /** The kept snapshots, `[{step, epoch, loss}]`, read from the engine (also into the store). */
  async history() {
    await this.app.ready;
    const h = await this.app.call("history");
    this.store.update("snapshots", h);
    return this.store.state.snapshots.list.map((p) => ({ step: p.step, epoch: p.epoch, loss: p.loss }));
  }

  /**
   * Show the kept snapshot nearest `step` (null: the live weights again). Resolves, once the
   * bars for the current input come from that snapshot, to `state().view`.
   */
  viewStep(step) {
    const run = this.viewing.then(() => this.applyView(step));
    this.viewing = run.catch(() => {});
    return run;
  }

  async applyView(step) {
    await this.app.ready;
    const live = step === null || step === undefined;
    if (!live && !(typeof step === "number" && Number.isFinite(step))) {
      throw new Error(`viewStep needs a step number or null, got ${JSON.stringify(step) ?? String(step)}`);
    }
    const s = this.store.state;
    const sessionStep = live ? null : Math.max(0, Math.round(step) - s.stepOffset);
    const res = await this.app.call("viewStep", { step: sessionStep });
    this.store.update("weightsVersion", res.weightsVersion);
    if (res.version !== undefined) this.store.update("predictor", { version: res.version });
    this.store.update("view", res.view);
    if (res.view) await this.predictNow();
    else this.app.predictions.request();
    return this.app.state().view;
  }

  /** The bars for the current input from the predictor's weights (the viewed step's). */
  async predictNow() {
    const input = this.store.state.input;
    if (!input) return;
    const probs = await this.app.predictor.call("predict", { pixels: input });
    if (this.store.state.input === input) this.store.update("prediction", { probs, by: "predictor" });
  }

  /** Branch the run at the kept snapshot nearest `step`; resolves to `state()`. */
  async resumeFrom(step) {
    await this.app.ready;
    if (!(typeof step === "number" && Number.isFinite(step))) {
      throw new Error(`resumeFrom needs a step number, got ${JSON.stringify(step) ?? String(step)}`);
    }
    await this.viewing;
    const s = this.store.state;
    const res = await this.app.call("resumeFrom", { step: Math.max(0, Math.round(step) - s.stepOffset) });
    this.store.update("weightsVersion", res.weightsVersion);
    this.store.update("resumed", res.resumed);
    this.store.update("view", null);
    this.app.predictions.request();
    await this.history();
    return this.app.state();
  }

  /** The snapshots' memory cap in bytes (0 keeps none). */
  async setCap(bytes) {
    await this.app.ready;
    if (!(typeof bytes === "number" && Number.isFinite(bytes) && bytes >= 0)) {
      throw new Error(`the history cap must be a number of bytes >= 0, got ${JSON.stringify(bytes)}`);
    }
    await this.app.call("setHistoryCap", { bytes });
    await this.history();
    return this.app.state().snapshots;
  }
}
