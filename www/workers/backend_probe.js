// Which backend a new session runs on. A WebGPU adapter can be slower than the wasm CPU backend
// (a software one, SwiftShader or lavapipe, nearly always; a weak integrated GPU on a small model
// too), so under 'auto' it has to earn its place: a short timed run of both, the faster one
// stays. Decisions are kept per (model, batch, adapter): here for the worker's life, and by the
// page in localStorage (js/probe_cache.js) across visits, so only the first visit probes.

const PROBE_CPU_STEPS = 3; // timed CPU steps, after one warm-up step
const PROBE_GPU_STEPS = 1; // timed GPU steps on a software adapter, after one warm-up step (slow)
const PROBE_HARDWARE_GPU_STEPS = 5; // on a hardware adapter: a step is short, time a few
const PROBE_GPU_LIMIT_MS = 8000; // warm-up + timed GPU steps; past this the GPU has lost

/**
 * One warm-up step (pipelines, uploads), then `steps` timed ones. Resolves to `{ms}` per timed
 * step, or `{ms: Infinity, atLeast}` (a lower bound) when the whole run passes `limitMs`;
 * `done` settles when the queued steps have really finished.
 */
async function timeSteps(session, steps, limitMs) {
  const start = performance.now();
  const run = (async () => {
    await session.train(1);
    await session.metrics();
    const t0 = performance.now();
    await session.train(steps);
    await session.metrics();
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

/** The adapter WebGPU offers this worker, as a cache key ('none' without one). */
async function adapterName() {
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) return "none";
    const i = adapter.info ?? {};
    return [i.vendor, i.architecture, i.device, i.description].map((x) => x ?? "").join("/");
  } catch {
    return "none";
  }
}

export class SessionFactory {
  /**
   * `Session`: the wasm class; `dataset`: the wasm Dataset every session trains on; `kept`: the
   * page's stored probe results by key; `onProbe(key, result)`: a new result, for the page.
   */
  constructor(Session, dataset, { kept = {}, onProbe = () => {} } = {}) {
    this.Session = Session;
    this.dataset = dataset;
    // JSON [model, batch, adapter] -> the probe's result; `cached` marks one from an earlier visit.
    this.probes = new Map(Object.entries(kept ?? {}).map(([k, r]) => [k, { ...r, cached: true }]));
    this.onProbe = onProbe;
    this.adapter = null; // adapterName(), asked once
    this.prepare = null; // async (session) => void, run on every new session
  }

  async make(cfg, backend, weights) {
    const session = await this.Session.create({ ...cfg, backend }, this.dataset, weights ?? undefined);
    try {
      // The engine's own additions to every session (the user's examples and their share).
      if (this.prepare) await this.prepare(session);
    } catch (e) {
      session.free();
      throw e;
    }
    return session;
  }

  /**
   * A new Session for `cfg` (and `weights`, a .safetensors file, or null). Resolves to
   * `{session, probe}`: `probe` is `{chosen, reason, cpuMsPerStep, gpuMsPerStep}` when 'auto'
   * timed the backends, else null.
   */
  async create(cfg, weights) {
    if (cfg.backend === "auto") this.adapter ??= await adapterName();
    const key = JSON.stringify([cfg.model, cfg.batch, this.adapter]);
    const known = cfg.backend === "auto" ? this.probes.get(key) : null;
    if (known) return { session: await this.make(cfg, known.chosen, weights), probe: known };
    const created = await this.make(cfg, cfg.backend, weights);
    const i = created.info();
    if (cfg.backend !== "auto" || i.kind !== "gpu") return { session: created, probe: null };
    const { result, gpuDone } = await this.probe(cfg, weights, created, i.fallback);
    this.probes.set(key, result);
    this.onProbe(key, result);
    // The probe trained `created`: the run starts from the given weights on a fresh session. The
    // GPU is freed once its queued probe steps are done.
    if (result.chosen === "gpu") await gpuDone;
    gpuDone.then(() => created.free());
    return { session: await this.make(cfg, result.chosen, weights), probe: result };
  }

  /** Time both backends on `cfg`'s model; `gpu` is a fresh GPU session (`software`: its adapter is). */
  async probe(cfg, weights, gpu, software) {
    const cpu = await this.make(cfg, "cpu", weights);
    const c = await timeSteps(cpu, PROBE_CPU_STEPS, 60_000);
    cpu.free();
    const g = await timeSteps(gpu, software ? PROBE_GPU_STEPS : PROBE_HARDWARE_GPU_STEPS, PROBE_GPU_LIMIT_MS);
    const chosen = g.ms < c.ms ? "gpu" : "cpu";
    const finished = Number.isFinite(g.ms);
    const ratio = finished ? Math.max(g.ms, c.ms) / Math.min(g.ms, c.ms) : g.atLeast / c.ms;
    const x = `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}x`;
    const gpuName = software ? "the software GPU" : "the GPU";
    const reason =
      chosen === "cpu"
        ? `CPU: ${finished ? "" : "at least "}${x} faster than ${gpuName} here`
        : `WebGPU: ${x} faster than the CPU here${software ? ", on a software GPU" : ""}`;
    const result = { chosen, reason, cpuMsPerStep: c.ms, gpuMsPerStep: finished ? g.ms : null };
    return { result, gpuDone: g.done };
  }
}
