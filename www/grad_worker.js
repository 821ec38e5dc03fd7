// The second training worker: its own wasm instance computes part of every batch's gradient for
// the engine worker (www/worker.js, through www/worker_parallel.js). The engine worker plans
// each step, owns the optimizer and sends the current weights with every request, so nothing
// here can drift from it: a rebuild, a load, a rollback or an optimizer change needs no sync.
//
// Protocol: {id, op, args} -> {id, ok, result} or {id, ok: false, error}.
//   init                                   load the wasm engine and MNIST
//   configure {config}                     a CPU Session for this model, batch and split
//   gradients {params, plan, start, end}   -> {grads (in params' buffer, transferred back),
//                                              lossSum, correct, samples, sentAt}
//   injectFault {text}                     the next gradients request fails with `text` (tests)
import init, { Dataset, Session } from "./pkg/gradient_garden.js";
import { loadDataset } from "./worker_data.js";

let dataset = null;
let session = null;
let injected = null;

const ops = {
  async init() {
    await init();
    dataset = await loadDataset(Dataset);
    return true;
  },

  async configure({ config }) {
    const next = await Session.create({ ...config, backend: "cpu" }, dataset);
    session?.free();
    session = next;
    return true;
  },

  async gradients({ params, plan, start, end }) {
    if (injected) {
      const text = injected;
      injected = null;
      throw new Error(text);
    }
    if (!session) throw new Error("the helper has no session (configure first)");
    await session.setParamsFlat(params);
    // The gradients go back in the array the weights came in.
    const part = await session.gradients(plan, start, end, params);
    // When the answer left, on the clock the engine worker shares (it balances the parts).
    part.sentAt = performance.timeOrigin + performance.now();
    return part;
  },

  async injectFault({ text }) {
    injected = String(text);
    return true;
  },
};

self.onmessage = async (e) => {
  const { id, op, args } = e.data;
  const handler = ops[op];
  if (!handler) {
    self.postMessage({ id, ok: false, error: `unknown operation '${op}'` });
    return;
  }
  try {
    const result = await handler(args ?? {});
    const transfer = result?.grads instanceof Float32Array ? [result.grads.buffer] : [];
    self.postMessage({ id, ok: true, result }, transfer);
  } catch (err) {
    self.postMessage({ id, ok: false, error: err && err.message ? err.message : String(err) });
  }
};
