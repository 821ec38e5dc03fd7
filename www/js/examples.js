// The user's own examples, page side: the list (the page's source of truth), kept across reloads
// in IndexedDB (www/js/examples_store.js) when the browser allows it and in memory when not (with
// a message), and sent to the engine worker whenever it changes, which mixes them into batches
// (www/workers/own_examples.js). Scripting: addExample, examples, clearExamples (README).
import { ExamplesStore } from "./examples_store.js";
import { gzip, maybeGunzip, packIdx, parseIdx } from "./idx.js";
import { checkPixels } from "./preprocess.js";

export const EXAMPLES_MAX = 10_000; // the engine's cap (src/trainer/train_data.rs)

const toBytes = (pixels) => Uint8Array.from(pixels, (v) => Math.round(255 * v));

export function checkLabel(label) {
  if (!Number.isInteger(label) || label < 0 || label > 9) {
    throw new Error(`a label is a whole number from 0 to 9, got ${JSON.stringify(label)}`);
  }
  return label;
}

export class Examples {
  /** `store`: the page's store; `app`: the App (engine calls, messages). */
  constructor(store, app, openStorage = () => ExamplesStore.open()) {
    this.store = store;
    this.app = app;
    this.list = []; // [{id, label, pixels: Uint8Array(784), dataset}], every dataset's
    this.db = null;
    this.storageError = null;
    this.nextId = -1; // ids for examples kept only in memory
    this.onChange = () => {};
    this.loaded = this.load(openStorage);
  }

  async load(openStorage) {
    try {
      this.db = await openStorage();
      this.list = await this.db.all();
    } catch (e) {
      this.db = null;
      this.refuse(e);
    }
    await this.sync();
  }

  /** Storage failed: keep going in memory and say so once. */
  refuse(e) {
    this.storageError = e.message;
    this.app.message(`Your examples cannot be kept across reloads: ${e.message}. They stay until the page is closed.`, "info");
  }

  /** The dataset in use (an example is a digit or a garment: each trains only its own set). */
  get dataset() {
    return this.store.state.data.dataset;
  }

  /** The examples of the dataset in use. */
  current() {
    return this.list.filter((x) => (x.dataset ?? "mnist") === this.dataset);
  }

  /** Send the dataset's examples to the engine (after start-up); resolves to the count. */
  async sync() {
    this.onChange();
    await this.app.ready;
    const list = this.current();
    const images = new Uint8Array(list.length * 784);
    list.forEach((x, i) => images.set(x.pixels, i * 784));
    const labels = Uint8Array.from(list, (x) => x.label);
    const count = await this.app.call("setExamples", { images, labels });
    this.store.update("examples", count);
    return count;
  }

  async persist(fn, fallback) {
    if (this.db) {
      try {
        return await fn(this.db);
      } catch (e) {
        this.db = null;
        this.refuse(e);
      }
    }
    return fallback();
  }

  /** Add `pixels` (784 floats in [0, 1]; default: what the pad shows) as `label`; resolves to the count. */
  async add(label, pixels) {
    await this.loaded;
    checkLabel(label);
    const input = pixels ?? this.store.state.input;
    if (!input) throw new Error("addExample needs a drawing (the pad is empty) or 784 pixel values in [0, 1]");
    const bytes = toBytes(checkPixels(input, "addExample"));
    if (this.list.length >= EXAMPLES_MAX) throw new Error(`at most ${EXAMPLES_MAX} examples are kept`);
    const dataset = this.dataset;
    const id = await this.persist((db) => db.add(label, bytes, dataset), () => this.nextId--);
    this.list.push({ id, label, pixels: bytes, dataset });
    return this.sync();
  }

  async remove(id) {
    await this.loaded;
    await this.persist((db) => db.remove(id), () => {});
    this.list = this.list.filter((x) => x.id !== id);
    return this.sync();
  }

  /** Removes the dataset's examples (the other dataset's stay). */
  async clear() {
    await this.loaded;
    const gone = new Set(this.current().map((x) => x.id));
    await this.persist(async (db) => {
      for (const id of gone) await db.remove(id);
    }, () => {});
    this.list = this.list.filter((x) => !gone.has(x.id));
    return this.sync();
  }

  /** The dataset's examples, `[{label, pixels}]`, pixels as 784 floats in [0, 1] (bytes / 255). */
  async examples() {
    await this.loaded;
    return this.current().map((x) => ({ label: x.label, pixels: Array.from(x.pixels, (b) => b / 255) }));
  }

  /** The examples as an IDX gzip pair: `{images, labels}` (Uint8Array each). */
  async exportIdx() {
    await this.loaded;
    const list = this.current();
    const raw = packIdx(list.map((x) => x.pixels), list.map((x) => x.label));
    return { images: await gzip(raw.images), labels: await gzip(raw.labels) };
  }

  /** Add the examples of an IDX pair (gzip or raw); resolves to the count. */
  async importIdx(images, labels) {
    await this.loaded;
    const parsed = parseIdx(await maybeGunzip(images), await maybeGunzip(labels));
    if (this.list.length + parsed.length > EXAMPLES_MAX) throw new Error(`at most ${EXAMPLES_MAX} examples are kept`);
    const dataset = this.dataset;
    for (const x of parsed) {
      const id = await this.persist((db) => db.add(x.label, x.pixels, dataset), () => this.nextId--);
      this.list.push({ id, ...x, dataset });
    }
    return this.sync();
  }
}
