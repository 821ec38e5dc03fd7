// The page's one store: a state object, the named updates that may change it, and subscribers
// that render from it. Panels never keep their own copy of a fact the store holds; they call
// `store.update(name, payload)` and redraw when told.
//
// Updates mutate the state in place (a run's history is thousands of records; copying it on every
// metrics event would cost more than drawing it). A subscriber gets `(state, name, payload)` after
// each update, or only after the updates it names.

export class Store {
  /**
   * `updates`: {name: (state, payload) => void}; `initial`: the state they start from. `paced`:
   * {name: ms} for updates that arrive many times a second (the engine's metrics, ~11 a second
   * while the MLP trains): the state changes at once, but their subscribers hear of them at most
   * every `ms`, with the latest payload (the first after a quiet spell at once). Each redraw of
   * the panels costs the page a frame (style, layout, paint, compositing), and with every core
   * training that time comes out of the training workers': drawing the panels for every
   * metrics event cost the two-worker MLP 2-8% of its steps against at most every 250 ms (three
   * runs of one page alternating every 2 s).
   */
  constructor(updates, initial, { paced = {} } = {}) {
    this.updates = updates;
    this.state = initial;
    this.subscribers = new Set();
    this.paced = paced;
    this.heard = new Map(); // name -> when its subscribers last heard of it
    this.due = new Map(); // name -> {payload}: a paced update its subscribers will hear of
  }

  /** Apply the update `name`; unknown names throw (a typo must not be a silent no-op). */
  update(name, payload) {
    const apply = Object.hasOwn(this.updates, name) ? this.updates[name] : null;
    if (typeof apply !== "function") throw new Error(`unknown store update '${name}'`);
    apply(this.state, payload);
    const ms = Object.hasOwn(this.paced, name) ? this.paced[name] : 0;
    if (ms > 0) this.pace(name, payload, ms);
    else this.tell(name, payload);
    return this.state;
  }

  /** Every subscriber to `name` hears of it now. */
  tell(name, payload) {
    for (const s of [...this.subscribers]) {
      if (!s.names || s.names.has(name)) s.fn(this.state, name, payload);
    }
  }

  /** Subscribers hear of `name` now if they last did `ms` ago or more, else once that is so. */
  pace(name, payload, ms) {
    const due = this.due.get(name);
    if (due) {
      due.payload = payload;
      return;
    }
    const wait = (this.heard.get(name) ?? -Infinity) + ms - performance.now();
    if (wait <= 0) {
      this.heard.set(name, performance.now());
      this.tell(name, payload);
      return;
    }
    const entry = { payload };
    this.due.set(name, entry);
    setTimeout(() => {
      this.due.delete(name);
      this.heard.set(name, performance.now());
      this.tell(name, entry.payload);
    }, wait);
  }

  /** Call `fn(state, name, payload)` after every update, or only after those in `names`. */
  subscribe(fn, names = null) {
    const s = { fn, names: names ? new Set(names) : null };
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }
}
