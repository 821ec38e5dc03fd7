// The 'auto' backend's decisions, kept across visits in localStorage: the engine worker times the
// CPU against the WebGPU adapter once per (model, batch, adapter) (www/workers/backend_probe.js)
// and the page keeps the result, so the next visit starts on the faster backend at once. Workers
// have no localStorage: the page hands the kept results to the engine's `init` and stores each
// new one the engine reports (its `probe` event). A storage that is missing, full or corrupt
// costs a probe, never an error.

export const PROBE_STORAGE_KEY = "gradient-garden.backend-probes";
const MAX_KEPT = 32; // (model, batch, adapter) combinations; the oldest go first

const storageOf = (storage) => {
  try {
    return storage ?? globalThis.localStorage ?? null;
  } catch {
    return null; // a sandboxed or storage-less context: nothing is kept
  }
};

/** The kept results, `{key: {chosen, reason, cpuMsPerStep, gpuMsPerStep}}` (possibly empty). */
export function loadProbes(storage) {
  try {
    const parsed = JSON.parse(storageOf(storage)?.getItem(PROBE_STORAGE_KEY) ?? "{}");
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter(([, r]) => r && (r.chosen === "cpu" || r.chosen === "gpu") && typeof r.reason === "string"),
    );
  } catch {
    return {};
  }
}

/** Keep `result` under `key` (newest last; beyond MAX_KEPT the oldest are dropped). */
export function saveProbe(key, result, storage) {
  const s = storageOf(storage);
  if (!s || typeof key !== "string") return;
  const all = loadProbes(s);
  delete all[key];
  all[key] = { chosen: result.chosen, reason: result.reason, cpuMsPerStep: result.cpuMsPerStep, gpuMsPerStep: result.gpuMsPerStep };
  const keys = Object.keys(all);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_KEPT))) delete all[old];
  try {
    s.setItem(PROBE_STORAGE_KEY, JSON.stringify(all));
  } catch {
    // Full or refused: the next visit probes again.
  }
}
