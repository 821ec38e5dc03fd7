// The own examples kept across reloads: one IndexedDB object store of {label, pixels} (784
// bytes), keyed by an increasing id. Every failure is an Error that says what happened in words
// (storage refused, e.g. a private window or a blocked site; storage full), so the page can say
// so and keep the examples in memory instead.
const DB_NAME = "gradient-garden";
const STORE = "examples";

function why(e, doing) {
  const name = e?.name ?? "";
  if (name === "QuotaExceededError") return new Error(`the browser's storage is full (${doing})`);
  if (name === "SecurityError" || name === "InvalidStateError") return new Error(`the browser refused storage (${doing}: ${e.message || name})`);
  return new Error(`${doing} failed: ${e?.message || name || "unknown error"}`);
}

const done = (req, doing) =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(why(req.error, doing));
  });

export class ExamplesStore {
  constructor(db) {
    this.db = db;
  }

  /** Resolves to a store, or rejects with a readable Error (storage refused or missing). */
  static async open(idb = globalThis.indexedDB) {
    if (!idb) throw new Error("this browser offers no storage (IndexedDB is missing)");
    let req;
    try {
      req = idb.open(DB_NAME, 1);
    } catch (e) {
      throw why(e, "opening storage");
    }
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    const db = await new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(why(req.error, "opening storage"));
      req.onblocked = () => reject(new Error("storage is blocked by another tab of this page"));
    });
    return new ExamplesStore(db);
  }

  async run(mode, doing, fn) {
    let tx;
    try {
      tx = this.db.transaction(STORE, mode);
    } catch (e) {
      throw why(e, doing);
    }
    const result = fn(tx.objectStore(STORE));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(why(tx.error, doing));
      tx.onabort = () => reject(why(tx.error, doing));
    });
    return result instanceof IDBRequest ? result.result : result;
  }

  /** Every example, oldest first: [{id, label, pixels: Uint8Array(784), dataset}]. */
  all() {
    return this.run("readonly", "reading your examples", (s) => s.getAll());
  }

  /** Adds one (`dataset`: 'mnist' or 'fashion'); resolves to its id. */
  add(label, pixels, dataset = "mnist") {
    return this.run("readwrite", "saving an example", (s) => s.add({ label, pixels, dataset }));
  }

  remove(id) {
    return this.run("readwrite", "deleting an example", (s) => s.delete(id));
  }

  clear() {
    return this.run("readwrite", "clearing your examples", (s) => s.clear());
  }
}
