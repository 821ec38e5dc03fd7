// The engine's home: a module Web Worker that owns the wasm Dataset and Session and runs the
// training loop, so the page never blocks on a training step.
//
// Protocol (page -> worker): {id, op, args}; the reply is {id, ok, result} or {id, ok:false, error}.
// Unsolicited events (worker -> page) carry `event`: status, metrics, evaluation, stats, fault.
// Every engine call goes through `serial` so calls never interleave mid-operation, and a
// prediction waits for at most one chunk of training steps.
//
// On the CPU backend a second worker (www/grad_worker.js, via www/worker_parallel.js) computes
// part of every batch where the machine has two cores or more: `setWorkers` picks 1, 2 or
// 'auto' (the default there: the faster of the two, timed while training).
import init, { Dataset, Session, presetSpec, checkSpec, inspectWeights } from "./pkg/gradient_garden.js";
import { loadDataset } from "./worker_data.js";
import { Workers } from "./worker_parallel.js";

const PRETRAINED = "models/cnn.safetensors";
// One train+metrics cycle should take about this long: long enough to amortise the round trip,
// short enough that a prediction or a pause is answered quickly.
const TARGET_CYCLE_MS = 90;
// While someone is drawing (predictions arriving), cycles are shorter and evaluations wait, so a
// prediction queues behind at most ~20 ms of training.
const INTERACTIVE_CYCLE_MS = 20;
const INTERACTIVE_FOR_MS = 1500;
let interactiveUntil = 0;
let epochEvalDue = null; // step of an epoch end whose evaluations were deferred
const MAX_CHUNK = 64;
const STATS_EVERY = 10; // steps between layerStats() reads (gradient-flow charts)

let dataset = null;
let session = null;
let info = null;
let config = null; // the SessionConfig the current session was built with
let training = false;
let loopDone = Promise.resolve();
let chunk = 1;
let lastStatsStep = -Infinity;
let lastEpoch = 0;
let evalBudgetMs = 0; // training time to accumulate before the next periodic validation
let autoTest = true;
let evalRate = null; // images per ms seen in the last evaluation, to size automatic ones
let lastStep = -1;

let chain = Promise.resolve();
/** Run `fn` after every engine call queued before it; a failure does not break the queue. */
function serial(fn) {
  const run = chain.then(() => fn());
  chain = run.catch(() => {});
  return run;
}

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);
const message = (e) => (e && e.message ? e.message : String(e));

/** The pretrained model, or null when the site ships none (a 404 is normal, not an error). */
async function fetchPretrained() {
  try {
    const res = await fetch(new URL(PRETRAINED, import.meta.url));
    return res.ok ? new Uint8Array(await res.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

/** 'mlp' or 'cnn' when `spec` is exactly that preset, else the spec itself. */
function nameOf(spec) {
  for (const name of ["mlp", "cnn"]) {
    if (JSON.stringify(presetSpec(name)) === JSON.stringify(spec)) return name;
  }
  return spec;
}

function status(extra = {}) {
  post({ event: "status", training, info, config, ...extra });
}

// ---------------------------------------------------------------- two workers (CPU only)
const workers = new Workers((note) => {
  if (info) info = withWorkers(info);
  status(note ? { note } : {});
});
/** `i` with how many workers train (`workers`) and the setting (`workersSetting`). */
const withWorkers = (i) => ({ ...i, workers: workers.shown(i), workersSetting: workers.wanted });

// A software WebGPU adapter (SwiftShader, lavapipe) can be far slower than the wasm CPU backend,
// so under 'auto' it has to earn its place: a short timed run of both, the faster one stays.
// A hardware adapter is taken without a probe. Decisions are kept per (model, batch).
const PROBE_CPU_STEPS = 3; // timed CPU steps, after one warm-up step
const PROBE_GPU_STEPS = 1; // timed GPU steps, after one warm-up step (a software GPU is slow)
const PROBE_GPU_LIMIT_MS = 8000; // warm-up + timed GPU steps; past this the GPU has lost
const probes = new Map();
const probeKey = (cfg) => JSON.stringify([cfg.model, cfg.batch]);

/**
 * One warm-up step (pipelines, uploads), then `steps` timed ones. Resolves to `{ms}` per timed
 * step, or `{ms: Infinity, atLeast}` (a lower bound) when the whole run passes `limitMs`;
 * `done` settles when the queued steps have really finished.
 */
async function timeSteps(s, steps, limitMs) {
  const start = performance.now();
  const run = (async () => {
    await s.train(1);
    await s.metrics();
    const t0 = performance.now();
    await s.train(steps);
    await s.metrics();
    return (performance.now() - t0) / steps;
  })();
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve(Infinity), limitMs)));
  const ms = await Promise.race([run, late]);
  clearTimeout(timer);
  // Unfinished after limitMs: some step of the 1 + steps took at least limitMs / (1 + steps).
  const atLeast = (performance.now() - start) / (1 + steps);
  return { ms, atLeast, done: run.catch(() => null) };
}

/** Time both backends on `cfg`'s model; `gpu` is a fresh session on the software adapter. */
async function probe(cfg, weights, gpu) {
  const cpu = await Session.create({ ...cfg, backend: "cpu" }, dataset, weights ?? undefined);
  const c = await timeSteps(cpu, PROBE_CPU_STEPS, 60_000);
  cpu.free();
  const g = await timeSteps(gpu, PROBE_GPU_STEPS, PROBE_GPU_LIMIT_MS);
  const chosen = g.ms < c.ms ? "gpu" : "cpu";
  const finished = Number.isFinite(g.ms);
  const ratio = finished ? Math.max(g.ms, c.ms) / Math.min(g.ms, c.ms) : g.atLeast / c.ms;
  const x = `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}x`;
  const reason =
    chosen === "cpu"
      ? `CPU: ${finished ? "" : "at least "}${x} faster than the software GPU here`
      : `WebGPU: ${x} faster than the CPU here, on a software GPU`;
  const result = { chosen, reason, cpuMsPerStep: c.ms, gpuMsPerStep: finished ? g.ms : null };
  probes.set(probeKey(cfg), result);
  return { result, gpuDone: g.done };
}

/** A new Session for `cfg`; under 'auto' on a software GPU, the probe's choice. */
async function createSession(cfg, weights) {
  const make = (backend) => Session.create({ ...cfg, backend }, dataset, weights ?? undefined);
  const known = cfg.backend === "auto" ? probes.get(probeKey(cfg)) : null;
  if (known) return { session: await make(known.chosen), probe: known };
  const created = await Session.create(cfg, dataset, weights ?? undefined);
  const i = created.info();
  if (cfg.backend !== "auto" || i.kind !== "gpu" || !i.fallback) return { session: created, probe: null };
  const { result, gpuDone } = await probe(cfg, weights, created);
  // The probe trained `created`: the run starts from the given weights on a fresh session. The
  // GPU is freed once its queued probe steps are done.
  if (result.chosen === "gpu") await gpuDone;
  gpuDone.then(() => created.free());
  return { session: await make(result.chosen), probe: result };
}

/** Replace the session; the old one stays alive (and is returned to) if the new one fails. */
async function rebuild(cfg, weights, inLoop = false) {
  if (!inLoop) await stopTraining();
  const { session: next, probe: p } = await serial(() => createSession(cfg, weights));
  const old = session;
  session = next;
  info = next.info();
  if (p) info = { ...info, probe: { chosen: p.chosen, reason: p.reason, cpuMsPerStep: p.cpuMsPerStep, gpuMsPerStep: p.gpuMsPerStep } };
  config = cfg;
  workers.engage(info, config);
  info = withWorkers(info);
  chunk = 1;
  lastStatsStep = -Infinity;
  lastEpoch = 0;
  epochEvalDue = null;
  lastStep = -1;
  evalBudgetMs = 0;
  if (old) serial(() => old.free());
  // A new helper has loaded before the session counts as ready: nothing is left loading then.
  await workers.started();
  info = withWorkers(info);
  return info;
}

async function stopTraining() {
  training = false;
  await loopDone;
}

function startTraining() {
  if (training || !session) return;
  training = true;
  loopDone = loop();
}

// On the CPU every engine promise settles as a microtask, so a loop of them would never let the
// worker's message handler run (no pause, no prediction). Each cycle yields to the task queue.
const channel = new MessageChannel();
const wakers = [];
channel.port1.onmessage = () => wakers.shift()?.();
function yieldToEvents() {
  return new Promise((resolve) => {
    wakers.push(resolve);
    channel.port2.postMessage(0);
  });
}

/** Train in chunks sized to TARGET_CYCLE_MS, posting metrics after each chunk. */
async function loop() {
  status();
  while (training) {
    try {
      await cycle(chunk, true);
      await yieldToEvents();
    } catch (e) {
      // After a GPU failure the loop carries on with the CPU session fault() built.
      if (!(await fault(e, true))) training = false;
    }
  }
  status();
}

let injected = null; // a failure to raise at the next cycle (tests of the fault paths)

async function cycle(steps, adapt) {
  if (injected) {
    const text = injected;
    injected = null;
    throw new Error(text);
  }
  const t0 = performance.now();
  const count = workers.pick(info, adapt);
  const trainMs = await serial(() => workers.train(session, info, config, steps, count));
  if (adapt) workers.record(info, count, trainMs / steps);
  const records = await serial(() => session.metrics());
  const ms = performance.now() - t0;
  const interactive = performance.now() < interactiveUntil;
  if (adapt) {
    const target = interactive ? INTERACTIVE_CYCLE_MS : TARGET_CYCLE_MS;
    const next = Math.round((chunk * target) / Math.max(ms, 1));
    chunk = Math.max(1, Math.min(MAX_CHUNK, next, chunk * 2));
  }
  const samples = records.length * info.batch;
  const last = records[records.length - 1];
  if (last) lastStep = last.step;
  post({ event: "metrics", records, ms, samplesPerSec: ms > 0 ? (samples * 1000) / ms : 0, chunk });
  evalBudgetMs -= ms;
  if (last && last.step - lastStatsStep >= STATS_EVERY) {
    lastStatsStep = last.step;
    const stats = await serial(() => session.layerStats());
    post({ event: "stats", step: last.step, stats });
  }
  if (last && last.epoch !== lastEpoch) {
    lastEpoch = last.epoch;
    epochEvalDue = last.step;
  }
  if (interactive) return records;
  if (epochEvalDue !== null) {
    const at = epochEvalDue;
    epochEvalDue = null;
    await evaluate("validation", undefined, at, true);
    // The automatic test run takes at most ~3 s (a CNN on the CPU would take far longer on all
    // 10k images); the Test button evaluates everything.
    if (autoTest) {
      const limit = evalRate ? Math.max(1000, Math.min(dataset.testSize, Math.round(evalRate * 3000))) : undefined;
      await evaluate("test", limit, at, true);
    }
  } else if (last && evalBudgetMs <= 0 && info.validationSize > 0) {
    await evaluate("validation", undefined, last.step, true);
  }
  return records;
}

async function evaluate(which, limit, step, auto = false) {
  if (which === "validation" && info.validationSize === 0) return null;
  const t0 = performance.now();
  const result = await serial(() => session.evaluate(which, limit));
  const ms = performance.now() - t0;
  evalRate = result.n / Math.max(ms, 1);
  // Periodic validation may cost at most ~10% of the training time.
  if (which === "validation") evalBudgetMs = Math.max(9 * ms, 2000);
  post({ event: "evaluation", which, step: step ?? lastStep, auto, ms, result });
  return result;
}

/**
 * Report a failure. A GPU failure moves the session to the CPU (with the weights when they can
 * still be read) and resolves to true; anything else is posted as a fault and resolves to false.
 * `inLoop`: called from the training loop, which must not wait for itself to stop.
 */
async function fault(e, inLoop = false) {
  const text = message(e);
  const gpu = info && info.kind === "gpu";
  const nonFinite = /nan|infinite|non-finite|finite/i.test(text);
  if (gpu && !nonFinite && /GPU error|no usable GPU|device (was )?lost|out of memory/i.test(text)) {
    post({ event: "fault", kind: "gpu", message: `The GPU failed (${text}); training moved to the CPU.` });
    let weights = null;
    try {
      weights = await serial(() => session.exportSafetensors());
    } catch {
      weights = null;
    }
    try {
      await rebuild({ ...config, backend: "cpu" }, weights, inLoop);
      post({ event: "rebuilt", info, config, keptWeights: !!weights, reason: "GPU failed" });
      return true;
    } catch (e2) {
      post({ event: "fault", kind: "fatal", message: `the CPU fallback failed too: ${message(e2)}` });
      return false;
    }
  }
  post({ event: "fault", kind: nonFinite ? "nonfinite" : "error", message: text });
  return false;
}

const ops = {
  async init({ config: cfg, tryPretrained, pretrainedMustMatch }) {
    await init();
    dataset = await loadDataset(Dataset);
    const weights = tryPretrained ? await fetchPretrained() : null;
    let pretrained = false;
    if (weights) {
      try {
        const spec = inspectWeights(weights);
        // A link that names a model gets that model; the pretrained one only if it is the same.
        if (!pretrainedMustMatch || JSON.stringify(nameOf(spec)) === JSON.stringify(cfg.model)) {
          await rebuild({ ...cfg, model: nameOf(spec) }, weights);
          pretrained = true;
        }
      } catch (e) {
        post({ event: "fault", kind: "warning", message: `The pretrained model was not used: ${message(e)}` });
      }
    }
    if (!pretrained) await rebuild(cfg, null);
    status();
    return { info, config, pretrained, trainSize: dataset.trainSize, testSize: dataset.testSize };
  },

  /** New session from `cfg`; `keepWeights` carries the current weights when the spec is unchanged. */
  async configure({ config: cfg, keepWeights }) {
    const wasTraining = training;
    await stopTraining();
    let weights = null;
    if (keepWeights && session) {
      weights = await serial(() => session.exportSafetensors()).catch(() => null);
    }
    try {
      await rebuild(cfg, weights);
    } catch (e) {
      if (wasTraining) startTraining();
      status();
      throw e;
    }
    status();
    return { info, config };
  },

  async setOptimizer({ changes }) {
    const optimizer = await serial(() => session.setOptimizer(changes));
    config = { ...config, optimizer };
    status();
    return { optimizer, step: lastStep };
  },

  async setAugment({ augment }) {
    await serial(() => session.setAugment(augment));
    config = { ...config, augment };
    status();
    return augment;
  },

  /**
   * Make the next training cycle fail with `text` (exercises the GPU-failure and fault paths);
   * `where: 'helper'` makes the second worker's next part fail instead.
   */
  async injectFault({ text, where }) {
    if (where === "helper") {
      if (!workers.usable(info)) throw new Error("no second worker is running");
      return await workers.helper.call("injectFault", { text });
    }
    injected = String(text);
    return true;
  },

  /**
   * Train in 1 or 2 workers, or 'auto' (the faster, timed while training); two apply on the CPU
   * backend only. Resolves to how many train now.
   */
  async setWorkers({ workers: wanted }) {
    await serial(() => workers.set(wanted, info, config));
    await workers.started();
    if (info) info = withWorkers(info);
    status();
    return workers.shown(info);
  },

  async setAutoTest({ on }) {
    autoTest = !!on;
    return autoTest;
  },

  async start() {
    startTraining();
    return true;
  },

  async pause() {
    await stopTraining();
    return true;
  },

  async step({ steps = 1 }) {
    if (training) return null;
    try {
      return await cycle(steps, false);
    } catch (e) {
      await fault(e);
      throw e;
    }
  },

  async predict({ pixels, interactive }) {
    if (interactive) interactiveUntil = performance.now() + INTERACTIVE_FOR_MS;
    const probs = await serial(() => session.predict(pixels));
    return probs;
  },

  async activations({ pixels }) {
    return await serial(() => session.activations(pixels));
  },

  async params({ first }) {
    const all = await serial(() => session.params());
    return first ? all.slice(0, first) : all;
  },

  async layerStats() {
    return await serial(() => session.layerStats());
  },

  async evaluate({ which, limit }) {
    return await evaluate(which, limit);
  },

  async exportModel() {
    return await serial(() => session.exportSafetensors());
  },

  /** Load a .safetensors file: same model -> weights in place; another model -> new session. */
  async loadModel({ bytes }) {
    const spec = inspectWeights(bytes); // throws a readable error for a corrupt file
    const same = JSON.stringify(spec) === JSON.stringify(info.spec);
    if (same) {
      await serial(() => session.loadSafetensors(bytes));
      status();
      return { info, config, rebuilt: false };
    }
    const wasTraining = training;
    try {
      await rebuild({ ...config, model: nameOf(spec) }, bytes);
    } catch (e) {
      if (wasTraining) startTraining();
      throw e;
    }
    status();
    return { info, config, rebuilt: true };
  },

  async checkSpec({ spec }) {
    return checkSpec(spec);
  },

  async presetSpec({ name }) {
    return presetSpec(name);
  },

  async testImage({ index }) {
    return { pixels: dataset.testImage(index), label: dataset.testLabel(index) };
  },
};

self.onmessage = async (e) => {
  const { id, op, args } = e.data;
  const handler = ops[op];
  if (!handler) {
    post({ id, ok: false, error: `unknown operation '${op}'` });
    return;
  }
  try {
    const result = await handler(args ?? {});
    post({ id, ok: true, result });
  } catch (err) {
    post({ id, ok: false, error: message(err) });
  }
};
