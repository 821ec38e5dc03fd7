// The engine worker's training data, in two stages: the first slice (train10k) before the first
// session, so the page is usable at once, then the whole training set streamed in the background
// with progress events, swapped into the running session when it has arrived (same weights,
// optimizer and step count; a new, longer epoch begins). See www/workers/data.js.
import { loadFirst, loadFull } from "./data.js";

const PROGRESS_EVERY_MS = 200;
const errorText = (e) => (e && e.message ? e.message : String(e));

export class TrainData {
  /** `engine`: the Engine (post, useDataset); `Dataset`: the wasm class. */
  constructor(engine, Dataset) {
    this.engine = engine;
    this.Dataset = Dataset;
    this.name = "mnist";
    this.first = null;
    // What the page shows: {dataset, stage: 'first' | 'full', loaded, total, done, error}.
    this.progress = { dataset: this.name, stage: "first", loaded: 0, total: 0, done: false, error: null };
  }

  /** The first slice and the test set (a wasm Dataset). */
  async loadFirst() {
    this.first = await loadFirst(this.Dataset, this.name);
    return this.first;
  }

  post(fields) {
    Object.assign(this.progress, fields);
    this.engine.post("data", { ...this.progress });
  }

  /**
   * Stream the whole training set and switch to it. Never rejects: a failure leaves training on
   * the first slice, with a message.
   */
  async grow() {
    let lastPost = 0;
    try {
      const full = await loadFull(this.first, this.name, (loaded, total) => {
        const now = performance.now();
        if (now - lastPost < PROGRESS_EVERY_MS) return;
        lastPost = now;
        this.post({ loaded, total });
      });
      await this.engine.useDataset(full, "full");
      this.post({ stage: "full", loaded: this.progress.total || this.progress.loaded, done: true });
    } catch (e) {
      this.post({ error: errorText(e) });
      const message = `The full training set could not be loaded (${errorText(e)}); training goes on with the first ${this.first.trainSize.toLocaleString("en")} digits.`;
      this.engine.post("fault", { kind: "warning", message });
    }
  }
}
