// The engine worker's training data. MNIST comes in two stages: the first slice (train10k)
// before the first session, so the page is usable at once, then the whole training set,
// streamed in the background with progress events and swapped into the running session when it
// has arrived (same weights, optimizer and step count; a new, longer epoch begins). Another
// dataset (Fashion-MNIST) loads whole, with progress, when chosen; the session is rebuilt on it.
// See www/workers/data.js.
import { DataSets, DATASET_NAMES, SETS } from "./data.js";

const PROGRESS_EVERY_MS = 200;
const errorText = (e) => (e && e.message ? e.message : String(e));

export class TrainData {
  /** `engine`: the Engine (post, useDataset); `Dataset`: the wasm class. */
  constructor(engine, Dataset) {
    this.engine = engine;
    this.sets = new DataSets(Dataset);
    this.name = "mnist";
    // What the page shows: {dataset, stage: 'first' | 'full', loaded, total, done, error}.
    this.progress = { dataset: this.name, stage: "first", loaded: 0, total: 0, done: false, error: null };
  }

  post(fields) {
    Object.assign(this.progress, fields);
    this.engine.post("data", { ...this.progress });
  }

  /** A progress callback that posts at most every PROGRESS_EVERY_MS. */
  progressFor(name) {
    let last = 0;
    return (loaded, total) => {
      const now = performance.now();
      if (now - last < PROGRESS_EVERY_MS || this.name !== name) return;
      last = now;
      this.post({ loaded, total });
    };
  }

  /** The dataset `name` starts on (a wasm Dataset) and the key of its stage. */
  async start(name) {
    if (!SETS[name]) throw new Error(`unknown dataset '${name}' (${DATASET_NAMES.join(" or ")})`);
    this.name = name;
    const stage = SETS[name].first ? "first" : "full";
    this.progress = { dataset: name, stage, loaded: 0, total: 0, done: stage === "full", error: null };
    const key = `${name}:${stage}`;
    const dataset = await this.sets.get(key, this.progressFor(name));
    if (this.progress.done) this.progress.loaded = this.progress.total;
    return { dataset, key };
  }

  /**
   * Stream MNIST's whole training set and switch to it if MNIST is still in use. Never rejects:
   * a failure leaves training on the first slice, with a message.
   */
  async grow() {
    if (this.name !== "mnist" || this.progress.done) return;
    try {
      const full = await this.sets.get("mnist:full", this.progressFor("mnist"));
      if (this.name !== "mnist") return;
      await this.engine.useDataset(full, "mnist:full");
      this.post({ stage: "full", loaded: this.progress.total || this.progress.loaded, done: true });
    } catch (e) {
      if (this.name !== "mnist") return;
      this.post({ error: errorText(e) });
      const message = `The full training set could not be loaded (${errorText(e)}); training goes on with the first slice.`;
      this.engine.post("fault", { kind: "warning", message });
    }
  }

  /**
   * Change to dataset `name`: load it (MNIST: the whole set if it has arrived, else the first
   * slice, and the rest streams on), then `rebuild(dataset, key)` builds the session on it.
   */
  async switchTo(name, rebuild) {
    if (!SETS[name]) throw new Error(`unknown dataset '${name}' (${DATASET_NAMES.join(" or ")})`);
    const fullReady = name === "mnist" && this.sets.cache.has("mnist:full");
    const key = SETS[name].first && !fullReady ? `${name}:first` : `${name}:full`;
    const previous = { name: this.name, progress: this.progress };
    this.name = name;
    this.progress = { dataset: name, stage: key.split(":")[1], loaded: 0, total: 0, done: false, error: null };
    this.post({});
    try {
      const dataset = await this.sets.get(key, this.progressFor(name));
      await rebuild(dataset, key);
    } catch (e) {
      this.name = previous.name;
      this.progress = previous.progress;
      this.post({});
      throw e;
    }
    const done = key.endsWith(":full");
    this.post(done ? { done, loaded: this.progress.total } : { done });
    if (!this.progress.done) this.grow();
  }
}
