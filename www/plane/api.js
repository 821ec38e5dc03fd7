// `window.plane`: the page's actions for tests and the console, as TensorFlow Playground's
// scripting surface. Every method that talks to the engine returns a promise and waits for
// start-up itself.
export function installApi(app) {
  const after = (fn) => async (...args) => {
    await app.ready;
    await fn(...args);
    return app.state();
  };
  window.plane = {
    /** Resolves to `state()` once the first trainer is built; rejects if the engine cannot start. */
    ready: app.ready,
    /** `{step, trainLoss, testLoss, trainAccuracy, testAccuracy, fps, training, settings, points}`. */
    state: () => app.state(),
    /**
     * Merge `{dataset, noise, ratio, seed, features, layers, activation, lr, batch, l1, l2,
     * optimizer, problem}`; data, features, layers, activation and batch rebuild (step 0), the
     * rest apply to the running model. Rejects with the reason and changes nothing on a bad value.
     */
    configure: after((opts) => app.apply(opts)),
    start: after(() => app.start()),
    pause: after(() => app.pause()),
    /** Train `n` steps while paused (and redraw). */
    step: after((n = 1) => app.step(n)),
    /** Fresh weights, same settings and data. */
    reset: after(() => app.reset()),
    /** The model's outputs on an n x n grid over [-6, 6]^2, rows from the top, as the heatmap draws them. */
    predictGrid: async (n = app.grid) => {
      await app.ready;
      return app.predictGrid(n);
    },
    /** The run's kept steps `[{step, trainLoss, testLoss, testAccuracy}]` (at most 256, spread over the run). */
    history: async () => {
      await app.ready;
      return app.history();
    },
    /**
     * Show the kept step nearest `step` in every view (heatmap, neurons, links, numbers);
     * training pauses, and `start()` trains on from the live weights. `null`: the live model.
     * `predictGrid` always answers for the live model.
     */
    view: after((step) => app.viewStep(step)),
    /** Milliseconds between the frames drawn while training (the most recent 2,000), for benchmarks. */
    frameIntervals: () => app.intervals(),
    /** Cells per side of the heatmap the page draws. */
    grid: app.grid,
  };
}
