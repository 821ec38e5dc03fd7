// The second training worker: its own wasm instance computes part of every batch's gradient for
// the engine worker (www/workers/engine.js, through www/workers/parallel.js). The engine worker
// plans each step, owns the optimizer and sends the current weights with every request, so
// nothing here can drift from it: a rebuild, a load, a rollback or an optimizer change needs no
// sync.
//
// Ops (www/js/rpc.js):
//   init                                   load the wasm engine and MNIST's first slice
//   configure {config, stage, own}         a CPU Session for this model, batch and split, on the
//                                          training set at `stage` with the own examples
//   gradients {params, plan, start, end}   -> {grads (in params' buffer, transferred back),
//                                              lossSum, correct, samples, sentAt}
//   injectFault {text}                     the next gradients request fails with `text` (tests)
import init, { Dataset, Session } from "../pkg/gradient_garden.js";
import { serve, transfer } from "../js/rpc.js";
import { loadFirst, loadFull } from "./data.js";

class GradWorker {
  constructor() {
    this.datasets = {}; // stage -> Dataset (or the promise of one)
    this.session = null;
    this.injected = null;
  }

  async init() {
    await init();
    this.datasets = { first: await loadFirst(Dataset) };
    return true;
  }

  /** The training set at `stage`, built from the same files as the engine worker's. */
  dataset(stage) {
    if (stage === "full" && !this.datasets.full) this.datasets.full = loadFull(this.datasets.first);
    const set = this.datasets[stage];
    if (!set) throw new Error(`no training set '${stage}'`);
    return set;
  }

  async configure({ config, stage = "first", own = null }) {
    const next = await Session.create({ ...config, backend: "cpu" }, await this.dataset(stage));
    try {
      if (own && own.labels.length) await next.setOwnExamples(own.images, own.labels);
    } catch (e) {
      next.free();
      throw e;
    }
    this.session?.free();
    this.session = next;
    return true;
  }

  async gradients({ params, plan, start, end }) {
    if (this.injected) {
      const text = this.injected;
      this.injected = null;
      throw new Error(text);
    }
    if (!this.session) throw new Error("the helper has no session (configure first)");
    await this.session.setParamsFlat(params);
    // The gradients go back in the array the weights came in.
    const part = await this.session.gradients(plan, start, end, params);
    // When the answer left, on the clock the engine worker shares (it balances the parts).
    part.sentAt = performance.timeOrigin + performance.now();
    return transfer(part, [part.grads.buffer]);
  }

  injectFault({ text }) {
    this.injected = String(text);
    return true;
  }
}

const worker = new GradWorker();
serve({
  init: () => worker.init(),
  configure: (args) => worker.configure(args),
  gradients: (args) => worker.gradients(args),
  injectFault: (args) => worker.injectFault(args),
});
