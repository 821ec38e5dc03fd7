// The second training worker: its own wasm instance computes part of every batch's gradient for
// the engine worker (www/workers/engine.js, through www/workers/parallel.js). The engine worker
// plans each step, owns the optimizer and sends the current weights with every request, so
// nothing here can drift from it: a rebuild, a load, a rollback or an optimizer change needs no
// sync.
//
// The weights, the plan and the gradients travel through shared memory once the engine worker
// has sent its buffer (`share`; www/workers/shared_step.js), else in `gradients` messages.
//
// Ops (www/js/rpc.js):
//   init                                   load the wasm engine and MNIST's first slice
//   configure {config, stage, own}         a CPU Session for this model, batch and split, on the
//                                          training set at `stage` with the own examples
//   gradients {params, plan, start, end}   -> {grads (in params' buffer, transferred back),
//                                              lossSum, correct, samples, sentAt}
//   share {buffer, batch, n}                serve part requests arriving in this SharedArrayBuffer
//   injectFault {text}                     the next part request fails with `text` (tests)
import { serve, transfer } from "../js/rpc.js";
import { loadWasm } from "../js/wasm_build.js";
import { DataSets } from "./data.js";
import { SharedStep } from "./shared_step.js";

class GradWorker {
  constructor() {
    this.datasets = null; // DataSets: the training sets by stage key
    this.session = null;
    this.injected = null;
    this.shared = null; // SharedStep, once the engine worker sent one
  }

  async init() {
    // The same build as the engine worker (it passed its `?wasm=` on), so the parts agree.
    const { wasm } = await loadWasm();
    this.Session = wasm.Session;
    this.datasets = new DataSets(wasm.Dataset);
    await this.datasets.get("mnist:first");
    return true;
  }

  /** `stage`: the engine worker's training set (www/workers/data.js DataSets), built here from the same files. */
  async configure({ config, stage = "mnist:first", own = null }) {
    const next = await this.Session.create({ ...config, backend: "cpu" }, await this.datasets.get(stage));
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

  ready() {
    if (this.injected) {
      const text = this.injected;
      this.injected = null;
      throw new Error(text);
    }
    if (!this.session) throw new Error("the helper has no session (configure first)");
  }

  async gradients({ params, plan, start, end }) {
    this.ready();
    await this.session.setParamsFlat(params);
    // The gradients go back in the array the weights came in.
    const part = await this.session.gradients(plan, start, end, params);
    // When the answer left, on the clock the engine worker shares (it balances the parts).
    part.sentAt = performance.timeOrigin + performance.now();
    return transfer(part, [part.grads.buffer]);
  }

  /** Serve parts through `buffer` from now on (the loop runs outside the message queue). */
  share({ buffer, batch, n }) {
    const old = this.shared;
    const shared = new SharedStep(buffer, batch, n);
    this.shared = shared;
    old?.mail(); // its loop is waiting: wake it so it sees it is replaced and ends
    shared.serve((request) => this.sharedPart(shared, request), () => this.shared === shared);
    return true;
  }

  async sharedPart(shared, { plan, start, end }) {
    this.ready();
    await this.session.setParamsFlat(shared.params);
    const part = await this.session.gradients(plan, start, end, shared.grads);
    if (part.grads.buffer !== shared.buffer) {
      throw new Error(`the model has ${part.grads.length} parameters, the shared buffer ${shared.n}`);
    }
    return part;
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
  share: (args) => worker.share(args),
  injectFault: (args) => worker.injectFault(args),
});
