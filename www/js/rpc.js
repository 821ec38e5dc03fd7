// The one protocol between the page and its workers (and between workers): calls with ids,
// replies, errors that arrive as `Error`s carrying the engine's message, events pushed without a
// call, and transferable buffers in both directions. Every worker is `serve(ops)` over its wasm
// API; every client is `connect(worker)`.
//
// Wire format (plain structured-clone objects, so any side can be read in DevTools):
//   call   {id, op, args}
//   reply  {id, ok: true, result} | {id, ok: false, error}
//   event  {event, ...fields}
//
// A worker that fails (its script does not load, an uncaught error, a message that cannot be
// cloned) rejects every call in flight and every later call with that reason: a caller never
// waits forever on a worker that can no longer answer.

const TRANSFER = Symbol("rpc.transfer");

/** Send `value` with `buffers` transferred, not copied (a reply, a call's args or an event). */
export function transfer(value, buffers) {
  return { [TRANSFER]: true, value, buffers };
}

const unwrap = (v) => (v && v[TRANSFER] ? [v.value, v.buffers] : [v, []]);
const messageOf = (e) => (e && e.message ? e.message : String(e));

/**
 * A client of the worker or port `target` (anything with postMessage and addEventListener).
 * `onEvent(msg)` receives the worker's pushed events; `name` names it in errors.
 */
export function connect(target, { onEvent = () => {}, name = "worker" } = {}) {
  const pending = new Map();
  let nextId = 1;
  let broken = null;

  function breakWith(reason) {
    if (broken) return;
    broken = new Error(`the ${name} stopped: ${reason}`);
    for (const p of pending.values()) p.reject(broken);
    pending.clear();
  }

  target.addEventListener("message", (e) => {
    const m = e.data;
    if (m && typeof m.event === "string") return onEvent(m);
    const p = m && pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  });
  target.addEventListener("error", (e) => {
    e.preventDefault?.();
    breakWith(e.message || "it failed to load or threw an uncaught error");
  });
  target.addEventListener("messageerror", () => breakWith("a message could not be read"));
  target.start?.(); // a MessagePort only delivers once started

  return {
    /** Resolves to the op's result; rejects with the worker's error message. */
    call(op, args = {}) {
      if (broken) return Promise.reject(broken);
      const [value, buffers] = unwrap(args);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        try {
          target.postMessage({ id, op, args: value }, buffers);
        } catch (e) {
          pending.delete(id);
          reject(new Error(`the ${name} could not be sent '${op}': ${messageOf(e)}`));
        }
      });
    },
    /** Calls still waiting for a reply. */
    get pending() {
      return pending.size;
    },
    /** Why the worker can no longer answer, or null. */
    get broken() {
      return broken;
    },
    /** Treat the worker as gone (after terminate()): calls in flight reject with `reason`. */
    close(reason = "closed") {
      breakWith(reason);
    },
  };
}

/**
 * Answer calls arriving on `port` (a worker's `self` by default) with `ops[op](args)`. Calls run
 * one at a time in arrival order unless `serial` is false, so an engine is never re-entered
 * mid-operation. Returns `{emit(event, fields)}` to push events to the client.
 */
export function serve(ops, { port = self, serial = true } = {}) {
  let chain = Promise.resolve();
  const post = (msg, buffers = []) => port.postMessage(msg, buffers);

  async function answer({ id, op, args }) {
    try {
      const handler = Object.hasOwn(ops, op) ? ops[op] : null;
      if (typeof handler !== "function") throw new Error(`unknown operation '${op}'`);
      const [result, buffers] = unwrap(await handler(args ?? {}));
      post({ id, ok: true, result }, buffers);
    } catch (e) {
      post({ id, ok: false, error: messageOf(e) });
    }
  }

  port.addEventListener("message", (e) => {
    const m = e.data;
    if (!m || typeof m.op !== "string") return;
    if (!serial) return void answer(m);
    chain = chain.then(() => answer(m));
  });
  port.start?.();

  return {
    emit(event, fields = {}) {
      const [value, buffers] = unwrap(fields);
      post({ ...value, event }, buffers);
    },
  };
}
