// The page's one store: a state object, the named updates that may change it, and subscribers
// that render from it. Panels never keep their own copy of a fact the store holds; they call
// `store.update(name, payload)` and redraw when told.
//
// Updates mutate the state in place (a run's history is thousands of records; copying it on every
// metrics event would cost more than drawing it). A subscriber gets `(state, name, payload)` after
// each update, or only after the updates it names.

export class Store {
  /** `updates`: {name: (state, payload) => void}; `initial`: the state they start from. */
  constructor(updates, initial) {
    this.updates = updates;
    this.state = initial;
    this.subscribers = new Set();
  }

  /** Apply the update `name`; unknown names throw (a typo must not be a silent no-op). */
  update(name, payload) {
    const apply = Object.hasOwn(this.updates, name) ? this.updates[name] : null;
    if (typeof apply !== "function") throw new Error(`unknown store update '${name}'`);
    apply(this.state, payload);
    for (const s of [...this.subscribers]) {
      if (!s.names || s.names.has(name)) s.fn(this.state, name, payload);
    }
    return this.state;
  }

  /** Call `fn(state, name, payload)` after every update, or only after those in `names`. */
  subscribe(fn, names = null) {
    const s = { fn, names: names ? new Set(names) : null };
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }
}
