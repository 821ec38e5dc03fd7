// The engine worker's ops for the run through time (served with engine.js's ops):
//   history                 -> {snapshots: [{step, epoch, loss}], bytes, capBytes} (session steps)
//   viewStep {step | null}  -> the predictor shows the kept snapshot nearest `step` (its weights
//                              go down the predictor's channel, predictor_feed.js showView), so the
//                              pad, explanations and activations follow it; null: live again.
//                              Resolves to {step, epoch, loss, first: {name, shape, data}} or null.
//   resumeFrom {step}       -> training branches at the kept snapshot nearest `step` (weights,
//                              optimizer state, batch order: src/trainer/snapshots.rs); resolves to
//                              {step, epoch, loss} of that snapshot.
//   setHistoryCap {bytes}   -> the snapshots' memory cap (64 MB by default).
// The snapshots live in the wasm Session (the trainer); this only routes them.

/** `engine()`: the Engine (engine_state.js), looked up per call. */
export function historyOps(engine) {
  return {
    async history() {
      return await engine().withSession((s) => s.history());
    },

    async viewStep({ step }) {
      const e = engine();
      e.requireSession();
      if (step === null || step === undefined) {
        e.feed.endView();
        return { view: null, weightsVersion: e.feed.version };
      }
      if (!Number.isFinite(step)) throw new Error(`viewStep needs a step number or null, got ${JSON.stringify(step)}`);
      const { snap, first } = await e.serial(async () => {
        const snap = await e.session.snapshotWeights(Math.max(0, Math.round(step)));
        // The first layer's weights, for the look-inside view: the first tensor of the flat layout.
        const shapes = await e.session.params();
        const p0 = shapes[0];
        const n = p0.shape.reduce((a, b) => a * b, 1);
        return { snap, first: { name: p0.name, shape: p0.shape, data: snap.weights.slice(0, n) } };
      });
      const version = await e.feed.showView(snap.weights);
      return { view: { step: snap.step, epoch: snap.epoch, loss: snap.loss, first }, version, weightsVersion: e.feed.version };
    },

    async resumeFrom({ step }) {
      const e = engine();
      e.requireSession();
      if (!Number.isFinite(step)) throw new Error(`resumeFrom needs a step number, got ${JSON.stringify(step)}`);
      const wasTraining = e.loop.training;
      await e.loop.stop();
      let info;
      try {
        info = await e.serial(async () => {
          const info = await e.session.resumeFrom(Math.max(0, Math.round(step)));
          e.stepsEnqueued = info.step;
          return info;
        });
      } catch (err) {
        // Refused (no snapshot kept): nothing changed, training goes on as it was.
        if (wasTraining) e.loop.start();
        throw err;
      }
      e.loop.resumedAt(info);
      e.feed.endView();
      e.weightsChanged();
      if (wasTraining) e.loop.start();
      return { resumed: info, training: wasTraining, weightsVersion: e.feed.version };
    },

    async setHistoryCap({ bytes }) {
      return await engine().withSession((s) => s.setHistoryCap(bytes));
    },
  };
}
