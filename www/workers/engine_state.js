// The engine worker's state and its session lifecycle: the wasm Dataset and Session, the settings
// in use (this worker owns them: the page sends options, this applies and reports them), the
// training loop, the second training worker and the predictor's feed. www/workers/engine.js
// serves it to the page.
import { planChange, validate, validateWorkers } from "../js/settings.js";
import { SessionFactory } from "./backend_probe.js";
import { Workers } from "./parallel.js";
import { canShare } from "./shared_step.js";
import { OwnExamples } from "./own_examples.js";
import { PredictorFeed } from "./predictor_feed.js";
import { TrainingLoop } from "./training_loop.js";
import { EarlyStop } from "./early_stop.js";

const errorText = (e) => (e && e.message ? e.message : String(e));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export class Engine {
  /** `emit(event, fields)` pushes an event to the page; `wasm` is the loaded wasm module. */
  constructor(emit, wasm) {
    this.emit = emit;
    this.wasm = wasm;
    this.dataset = null;
    this.factory = null;
    this.session = null;
    this.info = null;
    this.config = null; // the settings the session runs with
    this.stepsEnqueued = 0; // the session's steps so far: the next one is step `stepsEnqueued`
    this.chain = Promise.resolve();
    this.loop = new TrainingLoop(this);
    this.feed = new PredictorFeed();
    this.earlyStop = new EarlyStop();
    this.workers = new Workers((note) => {
      if (this.info) this.info = this.withWorkers(this.info);
      this.status(note ? { note } : {});
    });
    this.own = new OwnExamples(this); // the user's examples (www/workers/own_examples.js)
  }

  /** Run `fn` after every engine call queued before it; a failure does not break the queue. */
  serial(fn) {
    const run = this.chain.then(() => fn());
    this.chain = run.catch(() => {});
    return run;
  }

  /** The session, or a readable error before the first one is built (start-up failed). */
  requireSession() {
    if (!this.session) throw new Error("the engine has no model (it did not start)");
    return this.session;
  }

  /** `fn(session)` in the engine's queue. */
  withSession(fn) {
    return this.serial(() => fn(this.requireSession()));
  }

  /** Every event carries the weights' version, so the page knows what the predictor lags. */
  post(event, fields = {}) {
    this.emit(event, { ...fields, weightsVersion: this.feed.version });
  }

  status(extra = {}) {
    this.post("status", { training: this.loop.training, info: this.info, ...extra });
  }

  /** The weights changed: the predictor's copy is behind (`now`: send it at once). */
  weightsChanged(now = true) {
    this.feed.changed(now);
  }

  /**
   * `i` with how many workers train (`workers`), the setting (`workersSetting`) and how a split
   * step reaches the second worker (`workersHandover`: 'shared' memory or 'message's).
   */
  withWorkers(i) {
    const workersHandover = canShare() ? "shared" : "message";
    return { ...i, workers: this.workers.shown(i), workersSetting: this.workers.wanted, workersHandover };
  }

  /** Ready to build sessions: the dataset, the predictor's port, the URL's settings checked. */
  async setUp({ config, dataset, predictorPort, probes }) {
    this.dataset = dataset;
    // 'auto' decisions: kept ones from the page's storage, new ones reported to it.
    const onProbe = (key, result) => this.post("probe", { key, result });
    this.factory = new SessionFactory(this.wasm.Session, dataset, { kept: probes, onProbe });
    this.factory.prepare = (session) => this.own.apply(session);
    this.feed.attach(predictorPort, () =>
      this.serial(async () => ({ spec: this.info.spec, step: this.stepsEnqueued, weights: await this.session.paramsFlat() })),
    );
    validate(config);
  }

  /**
   * Train on `dataset` from the next step (the whole set has streamed in, see train_data.js):
   * the session keeps its weights, optimizer and step count; later sessions and the second
   * worker (`stage`, which it loads itself from the same files) use it too.
   */
  async useDataset(dataset, stage) {
    this.dataset = dataset;
    this.factory.dataset = dataset;
    this.workers.data.stage = stage;
    if (this.session) {
      const sizes = await this.withSession((s) => s.replaceData(dataset));
      this.info = { ...this.info, ...sizes };
    }
    this.status();
  }

  /** `steps` training steps in one or two workers (counted, for the step a change applies at). */
  async trainSteps(steps, timed) {
    // While the pad is in use the helper rests: its core answers the pen (the predictor, the page).
    const padBusy = this.loop.interactive;
    const count = padBusy ? 1 : this.workers.pick(this.info, timed);
    const ms = await this.serial(async () => {
      const ms = await this.workers.train(this.session, this.info, this.config, steps, count);
      this.stepsEnqueued += steps;
      return ms;
    });
    if (timed && !padBusy) this.workers.record(this.info, count, ms / steps);
  }

  /** Replace the session; the old one stays (and is returned to) if the new one fails. */
  async rebuild(cfg, weights, inLoop = false) {
    if (!inLoop) await this.loop.stop();
    const { session: next, probe } = await this.serial(() => this.factory.create(cfg, weights));
    const old = this.session;
    this.session = next;
    this.info = next.info();
    if (probe) this.info = { ...this.info, probe: { ...probe } };
    this.config = cfg;
    this.stepsEnqueued = 0;
    this.loop.reset();
    this.earlyStop.configure(cfg.earlyStop);
    this.earlyStop.reset();
    this.feed.viewing = false; // a new session: the predictor shows its live weights
    this.workers.engage(this.info, cfg);
    this.info = this.withWorkers(this.info);
    if (old) this.serial(() => old.free());
    // A new helper has loaded before the session counts as ready: nothing is left loading then.
    await this.workers.started();
    this.info = this.withWorkers(this.info);
    this.weightsChanged();
    return this.info;
  }

  /** The current weights as .safetensors, or null when they cannot be read (a lost GPU). */
  exportWeights() {
    return this.withSession((s) => s.exportSafetensors()).catch(() => null);
  }

  /**
   * Apply `opts` (playground.configure's options) to the settings in use: live knobs (rate, L2,
   * momentum, augmentation, workers) go to the running session; anything structural builds a new
   * one, with the current weights when the architecture stays (`fresh`: new weights, Reset).
   * Resolves to `{config, info, rebuilt, keptWeights, lrChange: {step, lr} | null}`; throws,
   * keeping the old session, for invalid options or a model that cannot be built.
   */
  async configure(opts = {}, { fresh = false } = {}) {
    this.requireSession();
    const plan = planChange(this.config, opts, { force: fresh });
    if (opts.workers !== undefined) {
      const wanted = validateWorkers(opts.workers);
      await this.serial(() => this.workers.set(wanted, this.info, this.config));
      await this.workers.started();
      this.info = this.withWorkers(this.info);
    }
    if (!plan.rebuild) {
      const lrChange = plan.optimizer ? await this.setOptimizer(plan.optimizer) : null;
      if (plan.augment) await this.withSession((s) => s.setAugment(plan.augment));
      this.earlyStop.configure(plan.next.earlyStop);
      // A new learning-rate schedule is live too; `step`: the first step that follows it.
      const scheduleChange = plan.schedule
        ? { step: await this.withSession((s) => s.setSchedule(plan.schedule)), schedule: plan.schedule }
        : null;
      this.config = plan.next;
      this.status();
      return { config: this.config, info: this.info, rebuilt: false, keptWeights: true, lrChange, scheduleChange };
    }
    this.post("building");
    const wasTraining = this.loop.training;
    await this.loop.stop();
    const keep = !fresh && same(plan.next.model, this.config.model);
    const weights = keep ? await this.exportWeights() : null;
    try {
      await this.rebuild(plan.next, weights);
    } catch (e) {
      if (wasTraining) this.loop.start();
      this.status();
      throw e;
    }
    this.status();
    return { config: this.config, info: this.info, rebuilt: true, keptWeights: !!weights, lrChange: null };
  }

  /**
   * Change the optimizer live. Resolves to `{step, lr}` when the rate changed: `step` is the
   * session's first step that trains with it. The engine reports it (the newer wasm API resolves
   * to `{step, optimizer}`); the older one applies a change before the next enqueued step, which
   * this worker counts. The rate reported is the one set, not its f32 rounding.
   */
  async setOptimizer(changes) {
    const before = this.config.optimizer.lr;
    const step = await this.serial(async () => {
      const counted = this.stepsEnqueued;
      const res = await this.session.setOptimizer(changes);
      return res && typeof res.step === "number" ? res.step : counted;
    });
    this.config = { ...this.config, optimizer: { ...this.config.optimizer, ...changes } };
    return changes.lr !== before ? { step, lr: changes.lr } : null;
  }

  /**
   * An automatic validation `result` after `step` session steps: early stopping may stop the
   * loop here (and put the best weights back); the page gets an `earlyStop` event.
   */
  async validated(result, step) {
    const verdict = await this.serial(() => this.earlyStop.observe(this.session, result.loss, step));
    if (!verdict) return;
    this.loop.training = false;
    if (verdict.restored) this.weightsChanged();
    this.post("earlyStop", verdict);
  }

  /**
   * Load a .safetensors file: same model -> weights in place; another model -> new session. A
   * bare PyTorch state dict (no metadata) is read as the current model when its names and shapes
   * are exactly that, else as the Sequential inferred from its tensors (`found.note` says what was
   * assumed); the result carries `{source, note}` for the page's message.
   */
  async loadModel(input) {
    this.requireSession();
    // Throws a readable error for a corrupt file, or one that fits no model (names and shapes).
    const found = this.wasm.resolveWeights(input, this.info.spec);
    const { spec, bytes } = found;
    const how = { source: found.source, note: found.note };
    if (same(spec, this.info.spec)) {
      await this.withSession((s) => s.loadSafetensors(bytes));
      this.weightsChanged();
      this.status();
      return { info: this.info, config: this.config, rebuilt: false, ...how };
    }
    const wasTraining = this.loop.training;
    try {
      await this.rebuild({ ...this.config, model: this.nameOf(spec) }, bytes);
    } catch (e) {
      if (wasTraining) this.loop.start();
      throw e;
    }
    this.status();
    return { info: this.info, config: this.config, rebuilt: true, ...how };
  }

  /** 'mlp' or 'cnn' when `spec` is exactly that preset, else the spec itself. */
  nameOf(spec) {
    for (const name of ["mlp", "cnn"]) {
      if (same(this.wasm.presetSpec(name), spec)) return name;
    }
    return spec;
  }

  /**
   * Report a failure. A GPU failure moves the session to the CPU and resolves to true: with the
   * GPU's weights when they can still be read, else with the predictor feed's last copy (at most
   * ~1 s of steps old; the message says how many steps were lost), else fresh weights. Anything
   * else is posted as a fault and resolves to false. `inLoop`: called from the training loop,
   * which must not wait for itself to stop.
   */
  async fault(e, inLoop = false) {
    const text = errorText(e);
    const gpu = this.info && this.info.kind === "gpu";
    // The trainer's two guards (src/trainer.rs `poll`) have rolled the weights back already:
    // "loss became NaN/inf" and "training diverged" (finite, but far above the start for 50
    // steps; its message says "every value was finite", so it is told apart first).
    const diverged = /training diverged/i.test(text);
    const nonFinite = !diverged && /nan|infinite|non-finite|finite/i.test(text);
    const guarded = diverged || nonFinite;
    if (gpu && !guarded && /GPU error|no usable GPU|device (was )?lost|out of memory/i.test(text)) {
      const weights = await this.exportWeights();
      const kept = !weights && this.feed.kept && same(this.feed.kept.spec, this.info.spec) ? this.feed.kept : null;
      const lost = kept ? Math.max(0, this.stepsEnqueued - kept.step) : 0;
      const how = weights
        ? "with its weights"
        : kept
          ? `with the weights from step ${kept.step} of this session (the ${lost} step${lost === 1 ? "" : "s"} after it, the failed one included, lost)`
          : "with fresh weights (the GPU's could not be read)";
      this.post("fault", { kind: "gpu", message: `The GPU failed (${text}); training moved to the CPU ${how}.` });
      try {
        await this.rebuild({ ...this.config, backend: "cpu" }, weights, inLoop);
        if (kept) {
          await this.withSession((s) => s.setParamsFlat(kept.weights));
          this.weightsChanged();
        }
        const keptWeights = !!(weights || kept);
        this.post("rebuilt", { info: this.info, config: this.config, keptWeights, reason: "GPU failed", lostSteps: lost });
        return true;
      } catch (e2) {
        this.post("fault", { kind: "fatal", message: `the CPU fallback failed too: ${errorText(e2)}` });
        return false;
      }
    }
    // A guard rolled the weights back; after any other failure they may have moved.
    this.weightsChanged();
    this.post("fault", { kind: diverged ? "diverged" : nonFinite ? "nonfinite" : "error", message: text });
    return false;
  }
}
