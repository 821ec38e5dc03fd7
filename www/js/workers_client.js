// The page's two workers: the engine (www/workers/engine.js: training, settings, evaluation) and
// the predictor (www/workers/predictor.js: the drawing pad's answers from a copy of the weights).
// Both speak www/js/rpc.js. The page makes a MessageChannel and gives one end to each, so the
// engine sends its weights straight to the predictor. Their events become store updates.
import { connect, transfer } from "./rpc.js";
import { workerUrl } from "./wasm_build.js";
import { saveProbe } from "./probe_cache.js";
import { PadModel } from "./pad_model.js";

/** Start both workers; resolves nothing, returns `{engine, predictor, predictorPort, padModel}`. */
export function startWorkers(store) {
  const engineWorker = new Worker(workerUrl(new URL("../workers/engine.js", import.meta.url)), { type: "module" });
  const engine = connect(engineWorker, {
    name: "engine worker",
    onEvent: (m) => {
      if (m.event === "probe") return saveProbe(m.key, m.result); // for the next visit
      if (typeof m.weightsVersion === "number") store.update("weightsVersion", m.weightsVersion);
      store.update(m.event, m);
    },
  });

  const padModel = new PadModel(); // the pad's answers on this thread, from the predictor's copies
  const predictorWorker = new Worker(workerUrl(new URL("../workers/predictor.js", import.meta.url)), {
    type: "module",
  });
  const retire = () => store.update("predictor", { broken: true });
  const predictor = connect(predictorWorker, {
    name: "predictor",
    onEvent: (m) => {
      if (m.event !== "weights") return retire();
      padModel.follow(m);
      store.update("predictor", { version: m.version });
    },
  });
  // A predictor that cannot start or follow is retired: the engine answers the pad instead.
  predictorWorker.addEventListener("error", retire);
  const channel = new MessageChannel();
  predictor.call("init", transfer({ enginePort: channel.port2 }, [channel.port2])).catch(retire);
  return { engine, predictor, predictorPort: channel.port1, padModel };
}
