// What the page knows about the run it shows: the store's state, the named updates the engine's
// events and the page's actions make to it, and values derived from it (the scripting API's
// `state()`, the curves as CSV, latency quantiles). Pure: no DOM, no workers (tests/unit/).
//
// Steps are the run's, not the session's: a rebuild that keeps the weights (another backend,
// batch or optimizer kind) starts a session at step 0 while the run goes on, so the session's
// step numbers are shifted by `stepOffset`.
import { describeChange } from "./settings.js";
import { History } from "./history.js";
import { describeSchedule } from "./schedule.js";

const LATENCIES_KEPT = 500;
// Per-step series keep every step for a recent window and per-bucket min/max/mean before it
// (history.js), so a run of hours costs what a run of minutes does. Train metrics come every
// step; gradient stats every ~10 steps per tensor, so their window is shorter.
const trainHistory = () => new History({ keys: ["loss", "accuracy", "lr"], recent: 2048, buckets: 512 });
const statsHistory = () => new History({ keys: ["grad", "ratio"], recent: 512, buckets: 256 });
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function initialState(config) {
  return {
    ready: false,
    engineError: null, // why the engine could not start
    info: null, // the session's backend, adapter, spec, sizes (the engine's SessionInfo)
    config, // the settings in use, as the engine reported them
    pretrained: false,
    training: false,
    busy: null, // "Building the model…" while a session is built or loaded
    message: null, // the banner: {text, kind: 'error' | 'info'}
    fault: null,
    step: 0,
    epoch: 0,
    samplesPerSec: 0,
    history: trainHistory(), // {step, epoch, loss, accuracy, lr}, bounded (history.js)
    validation: [], // {step, loss, accuracy, n}
    own: [], // {step, loss, accuracy, n}: the user's own examples
    test: [], // {step, loss, accuracy, n}
    lastTest: null, // the last test evaluation's full result (confusion, mistakes)
    lrMarks: [], // {step, lr}: the first step that trained with a new rate
    marks: [], // {step, label}: other changes that kept the weights
    stepOffset: 0,
    epochOffset: 0,
    stats: new Map(), // tensor name -> History of {step, grad, ratio}
    weightsVersion: 0, // the engine's weights, counted up at each change
    predictorVersion: -1, // the weights the predictor holds
    predictorBroken: false,
    latencies: [], // ms from a pen event to the bars showing a prediction that includes it
    input: null, // the 784 floats the model sees (the preprocessed drawing or a test image)
    inputSource: { kind: "draw" }, // or {kind: 'test', index, label}
    probs: null, // the probabilities shown for `input`
    answeredBy: null, // who answered `probs` (updates.prediction)
    // The training set streaming in (www/workers/train_data.js).
    data: { dataset: "mnist", stage: "first", loaded: 0, total: 0, done: false, error: null },
    ownShare: null, // the share of each batch drawn from the own examples (null: engine's default)
    examples: 0, // how many own examples the engine trains with
    stoppedEarly: null, // {step, bestStep, bestLoss, restored} when early stopping ended the run
    view: null, // a past step shown instead of the live weights: {step, epoch, loss, first}
    snapshots: null, // the engine's kept snapshots: {list: [{step, epoch, loss}], bytes, capBytes}
    branches: [], // abandoned branches' loss curves ([[step, loss]]), drawn dimmed
  };
}

function clearRun(s) {
  Object.assign(s, {
    history: trainHistory(), validation: [], own: [], test: [], lrMarks: [], marks: [], stats: new Map(),
    stepOffset: 0, epochOffset: 0, step: 0, epoch: 0, samplesPerSec: 0, fault: null,
    view: null, snapshots: null, branches: [],
  });
}

/** The same weights go on in a new session: the run continues from here, `label` marks it. */
function continueRun(s, label) {
  if (s.step > 0 && label) s.marks.push({ step: s.step, label });
  s.stepOffset = s.step;
  s.epochOffset = s.epoch;
}

function markLr(s, step, lr) {
  const last = s.lrMarks[s.lrMarks.length - 1];
  if (last && last.step === step) last.lr = lr;
  else s.lrMarks.push({ step, lr });
}

export const updates = {
  started(s, { info, config, pretrained, wasmBuild, ownShare, data }) {
    Object.assign(s, { ready: true, info, config, pretrained, wasmBuild: wasmBuild ?? null });
    if (ownShare !== undefined) s.ownShare = ownShare;
    if (data) s.data = { ...data };
  },
  engineFailed(s, { message }) {
    s.engineError = message;
    s.message = { text: `The engine could not start: ${message}`, kind: "error" };
  },
  status(s, { training, info, note }) {
    s.training = training;
    if (info) s.info = info;
    if (note) s.message = { text: note, kind: "info" };
  },
  training(s, on) {
    s.training = on;
  },
  metrics(s, { records, samplesPerSec }) {
    for (const r of records) {
      s.history.append({ ...r, step: r.step + s.stepOffset, epoch: r.epoch + s.epochOffset });
    }
    const last = s.history.last();
    if (records.length && last) {
      s.step = last.step + 1;
      s.epoch = last.epoch;
    }
    s.samplesPerSec = samplesPerSec;
  },
  evaluation(s, { which, step, result }) {
    const point = { step: step + 1 + s.stepOffset, loss: result.loss, accuracy: result.accuracy, n: result.n };
    if (which === "validation") s.validation.push(point);
    else if (which === "own") s.own.push(point);
    else {
      s.test.push(point);
      s.lastTest = result;
    }
  },
  stats(s, { step, stats }) {
    for (const t of stats) {
      const grad = t.grad_norm ?? t.gradNorm;
      const weight = t.weight_norm ?? t.weightNorm;
      const update = t.update_norm ?? t.updateNorm;
      if (!s.stats.has(t.name)) s.stats.set(t.name, statsHistory());
      s.stats.get(t.name).append({ step: step + s.stepOffset, grad, ratio: weight > 0 ? update / weight : NaN });
    }
  },
  /** The engine applied settings (`configure`'s reply): a live change, or a new session. */
  settings(s, { config, info, rebuilt, keptWeights, lrChange, scheduleChange, ownShare, data, pretrained }) {
    const prev = s.config;
    if (ownShare !== undefined) s.ownShare = ownShare;
    const datasetChanged = data && data.dataset !== s.data.dataset;
    if (data) s.data = { ...data };
    s.config = config;
    if (info) s.info = info;
    if (lrChange) markLr(s, lrChange.step + s.stepOffset, lrChange.lr);
    if (scheduleChange) s.marks.push({ step: scheduleChange.step + s.stepOffset, label: describeSchedule(scheduleChange.schedule) });
    if (!rebuilt) return;
    s.view = null;
    s.snapshots = null;
    const sameSpec = same(prev.model, config.model);
    s.pretrained = pretrained ?? (s.pretrained && sameSpec && keptWeights);
    s.training = false;
    if (keptWeights && sameSpec && !datasetChanged) continueRun(s, describeChange(prev, config));
    else clearRun(s);
    if (datasetChanged) s.lastTest = null;
  },
  /** The engine replaced the session on its own (the GPU failed): follow it. */
  rebuilt(s, { info, config, keptWeights, reason }) {
    s.view = null;
    s.snapshots = null;
    s.info = info;
    s.config = config;
    if (keptWeights) continueRun(s, `${config.backend} (${reason})`);
    else clearRun(s);
  },
  /** A model file was loaded: weights in place, or a new session for another architecture. */
  loaded(s, { info, config, rebuilt }) {
    s.view = null;
    s.info = info;
    s.config = config;
    s.pretrained = false;
    s.training = false;
    if (rebuilt) clearRun(s);
  },
  fault(s, { kind, message }) {
    s.fault = message;
    if (kind === "nonfinite") {
      s.training = false;
      s.message = { text: `Training paused: ${message}.`, kind: "error" };
    } else if (kind === "diverged") {
      // The message says what happened and what to try (a lower rate, another optimizer).
      s.training = false;
      s.message = {
        text: `Training paused: ${message}. The weights are back to the last healthy ones; change the settings and press Train.`,
        kind: "error",
      };
    } else if (kind === "gpu" || kind === "warning") {
      s.message = { text: message, kind: "info" };
    } else {
      s.training = false;
      s.message = { text: `Training stopped: ${message}`, kind: "error" };
    }
  },
  weightsVersion(s, v) {
    s.weightsVersion = Math.max(s.weightsVersion, v);
  },
  predictor(s, { version, broken }) {
    if (version !== undefined) s.predictorVersion = Math.max(s.predictorVersion, version);
    if (broken) s.predictorBroken = true;
  },
  /** A new input: `pixels` (or null: nothing drawn) and where it came from. */
  input(s, { pixels, source = { kind: "draw" } }) {
    s.input = pixels;
    s.inputSource = source;
    if (!pixels) s.probs = null;
  },
  /**
   * Probabilities shown for the input; `latencyMs`: since the pen event they answer; `by`: who
   * answered ('page': the predictor's copy mirrored on the page's thread, 'predictor', 'engine').
   */
  prediction(s, { probs, latencyMs, by = null }) {
    s.probs = probs;
    s.answeredBy = by;
    if (latencyMs !== undefined) {
      s.latencies.push(latencyMs);
      if (s.latencies.length > LATENCIES_KEPT) s.latencies.shift();
    }
  },
  /** The full training set streaming in: `{dataset, stage, loaded, total, done, error}`. */
  data(s, progress) {
    const { event, weightsVersion, ...rest } = progress;
    s.data = { ...s.data, ...rest };
  },
  /** The engine trains with `count` own examples. */
  examples(s, count) {
    s.examples = count;
  },
  /** The engine's kept snapshots (`history` reply, session steps). */
  snapshots(s, { snapshots, bytes, capBytes }) {
    s.snapshots = { list: snapshots.map((p) => ({ ...p, step: p.step + s.stepOffset })), bytes, capBytes };
  },
  /** The view shows a past step (`view`, session steps) or, null, the live weights again. */
  view(s, view) {
    s.view = view ? { ...view, step: view.step + s.stepOffset } : null;
  },
  /** Training went back to the snapshot at session step `step`: the curve after it is a branch. */
  resumed(s, { step }) {
    const at = step + s.stepOffset;
    const abandoned = s.history.points("loss").filter(([x]) => x >= at);
    if (abandoned.length) s.branches = [...s.branches.slice(-2), abandoned];
    s.history.truncate(at);
    s.validation = s.validation.filter((p) => p.step <= at);
    s.own = s.own.filter((p) => p.step <= at);
    s.test = s.test.filter((p) => p.step <= at);
    s.step = at;
    const last = s.history.last();
    s.epoch = last ? last.epoch : s.epochOffset;
    s.marks.push({ step: at, label: `resumed from ${at}` });
    s.view = null;
    if (s.snapshots) s.snapshots = { ...s.snapshots, list: s.snapshots.list.filter((p) => p.step <= at) };
  },
  /** Early stopping ended the run (www/workers/early_stop.js). */
  earlyStop(s, { step, bestStep, bestLoss, patience, restored }) {
    s.training = false;
    const at = (x) => x + s.stepOffset;
    s.stoppedEarly = { step: at(step), bestStep: at(bestStep), bestLoss, restored };
    s.marks.push({ step: at(step), label: "early stop" });
    s.message = {
      text: `Stopped early at step ${at(step)}: the validation loss has not improved for ${patience} checks since step ${at(bestStep)} (${bestLoss.toFixed(4)}).${restored ? ` The weights of step ${at(bestStep)} are back.` : ""}`,
      kind: "info",
    };
  },
  building(s) {
    s.busy = "Building the model…";
  },
  message(s, message) {
    s.message = message;
  },
  busy(s, text) {
    s.busy = text;
  },
};

/** Does the predictor hold the engine's current weights (or is one a little behind fine)? */
export function predictorUsable(s) {
  if (s.predictorBroken || s.predictorVersion < 0) return false;
  // A past step is shown: only the predictor holds its weights.
  if (s.view) return true;
  // While training a copy up to ~1 s old is fine; otherwise only the current weights will do.
  return s.training || s.predictorVersion >= s.weightsVersion;
}

/** Is the predictor still catching up with weights the page will want it to hold? */
export function predictorSyncing(s) {
  return !s.training && !s.predictorBroken && s.predictorVersion >= 0 && s.predictorVersion < s.weightsVersion;
}

export function latencyStats(latencies) {
  const xs = [...latencies].sort((a, b) => a - b);
  const q = (f) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(f * xs.length))] : NaN);
  return { n: xs.length, median: q(0.5), p95: q(0.95) };
}

/** Mean loss and accuracy of the last `n` steps (a History), or null before any. */
export function recentMeans(history, n = 20) {
  const recent = history.recent.slice(-n);
  if (!recent.length) return null;
  const mean = (f) => recent.reduce((a, r) => a + f(r), 0) / recent.length;
  return { loss: mean((r) => r.loss), accuracy: mean((r) => r.accuracy) };
}

/**
 * The whole run as CSV. Recent steps are `train` rows (`steps` = 1); older ones come as a
 * `train_mean`, `train_min` and `train_max` row per bucket, at the bucket's first step, `steps`
 * saying how many steps it summarises (README "Scripting API").
 */
export function curvesCsv(s) {
  const lines = ["series,step,epoch,loss,accuracy,lr,steps"];
  for (const { kind, step, steps, record: r } of s.history.rows()) {
    const series = kind === "step" ? "train" : `train_${kind}`;
    lines.push(`${series},${step},${r.epoch},${r.loss},${r.accuracy},${r.lr},${steps}`);
  }
  for (const p of s.validation) lines.push(`validation,${p.step},,${p.loss},${p.accuracy},,`);
  for (const p of s.own) lines.push(`own,${p.step},,${p.loss},${p.accuracy},,`);
  for (const p of s.test) lines.push(`test,${p.step},,${p.loss},${p.accuracy},,`);
  return lines.join("\n") + "\n";
}

/** `playground.state()`: a plain copy, safe to keep and to send across (README "Scripting"). */
export function snapshot(s, { predictionPending = false } = {}) {
  const i = s.info ?? {};
  const c = s.config;
  return {
    ready: s.ready,
    backend: i.kind ?? null,
    adapter: i.adapter ?? null,
    fallback: i.fallback ?? null,
    gpuUnavailable: i.gpuUnavailable ?? null,
    workers: i.workers ?? null,
    workersSetting: i.workersSetting ?? null,
    workersHandover: i.workersHandover ?? null,
    probe: i.probe ? { ...i.probe } : null,
    model: JSON.parse(JSON.stringify(c.model)),
    spec: i.spec ?? null,
    parameters: i.parameters ?? null,
    batch: c.batch,
    optimizer: { ...c.optimizer },
    augment: { ...c.augment },
    validation: c.validation,
    training: s.training,
    step: s.step,
    epoch: s.epoch,
    lr: c.optimizer.lr,
    schedule: { ...(c.schedule ?? { kind: "constant" }) },
    earlyStop: c.earlyStop ? { ...c.earlyStop } : null,
    stoppedEarly: s.stoppedEarly ? { ...s.stoppedEarly } : null,
    view: s.view ? { step: s.view.step, epoch: s.view.epoch, loss: s.view.loss } : null,
    branches: s.branches.length, // abandoned branches drawn dimmed (resumeFrom)
    snapshots: s.snapshots ? { count: s.snapshots.list.length, bytes: s.snapshots.bytes, capBytes: s.snapshots.capBytes } : null,
    samplesPerSec: s.samplesPerSec,
    // The recent window's losses (every step while the run is shorter than the window).
    loss: s.history.recent.slice(-s.history.recentSize).map((r) => r.loss),
    lastMetrics: s.history.last() ? { ...s.history.last() } : null,
    history: s.history.summary(),
    validationHistory: s.validation.map((p) => ({ ...p })),
    ownHistory: s.own.map((p) => ({ ...p })),
    // The data: the training set in use (it grows once the full set has streamed in).
    dataset: s.data.dataset,
    data: { ...s.data },
    trainSize: i.trainSize ?? null,
    validationSize: i.validationSize ?? null,
    stepsPerEpoch: i.stepsPerEpoch ?? null,
    examples: s.examples,
    ownShare: s.ownShare,
    testHistory: s.test.map((p) => ({ ...p })),
    lrChanges: s.lrMarks.map((m) => ({ ...m })),
    fault: s.fault,
    pretrained: s.pretrained,
    wasmBuild: s.wasmBuild ?? null, // 'relaxed-simd' or 'simd128' (js/wasm_build.js)
    latency: latencyStats(s.latencies),
    predictionPending,
    /** The pad's model: the weights version it holds, the engine's, and whether it was retired. */
    predictor: { version: s.predictorVersion, weightsVersion: s.weightsVersion, retired: s.predictorBroken },
    answeredBy: s.answeredBy ?? null, // the shown prediction's: 'page', 'predictor' or 'engine'
  };
}
