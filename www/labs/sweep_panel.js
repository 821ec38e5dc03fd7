// The scaling-law panel: the sweep form, Run/Cancel, the live log-log plot of finished runs with
// the fitted power law L = a N^-alpha + c, the fit's summary and the table of runs. The runs
// train in the sweep worker one call per run; the fit is a cheap synchronous wasm call made here.
import { fitPowerLaw } from "../pkg/gradient_garden.js";
import { ScatterPlot, fmtNumber } from "./plot.js";
import { AXES, describeRun, powerLawCurve, sweepConfig } from "./sweep_plan.js";
import { $, fillTable, running, showMessage } from "./ui.js";

const FIT_COLOR = "#c46a00";

/**
 * Wire the panel. `engine` is the sweep worker's rpc client, `state` the page's shared state
 * (this panel owns `points`, `fit`, `fitError`, `sweepAxis`, `sweeping`, `cancelSweep`), and
 * `wasmReady` resolves once the page's own wasm instance can fit.
 */
export function initSweepPanel({ engine, state, wasmReady }) {
  const plot = new ScatterPlot($("scaling-chart"), {
    logX: true,
    logY: true,
    xLabel: "parameters",
    yLabel: "validation loss",
    emptyText: "runs appear here as they finish",
  });

  function render() {
    const axis = state.sweepAxis ?? $("axis").value;
    const xName = axis === "data" ? "training samples" : "parameters";
    plot.options.xLabel = xName;
    const f = state.fit;
    plot.set({
      points: state.points.map((p) => ({
        x: p.x,
        y: p.val_loss,
        label: axis === "data" ? `${Math.round(p.fraction * 100)}%` : `w${p.width}`,
      })),
      curves: f ? [{ points: powerLawCurve(f, state.points.map((p) => p.x)), color: FIT_COLOR }] : [],
      guides: f && f.c > 0 ? [{ y: f.c, label: `c = ${f.c.toFixed(3)}`, color: FIT_COLOR }] : [],
    });
    $("scaling-caption").textContent =
      `validation loss vs ${xName} (log–log); green dots: runs, orange: the fitted law, dashed: the irreducible loss c`;
    fillTable(
      $("scaling-table"),
      state.points.map((p) => [
        `${p.index + 1}`,
        `${p.width}`,
        p.parameters.toLocaleString("en"),
        p.train_samples.toLocaleString("en"),
        p.epochs.toFixed(2),
        p.train_loss.toFixed(4),
        p.val_loss.toFixed(4),
        `${(p.val_accuracy * 100).toFixed(1)}%`,
        p.backend,
        p.ms < 1000 ? `${Math.round(p.ms)} ms` : `${(p.ms / 1000).toFixed(1)} s`,
      ]),
    );
    const out = $("fit-result");
    if (f) {
      out.textContent =
        `L ≈ ${fmtNumber(f.a)} · N^(−${f.alpha.toFixed(3)}) + ${f.c.toFixed(3)}:  ` +
        `α = ${f.alpha.toFixed(3)}, c = ${f.c.toFixed(3)}, R² = ${f.r2_log.toFixed(3)} (in log L), ` +
        `${f.points} runs. Doubling ${xName} cuts L − c by ${((1 - 2 ** -f.alpha) * 100).toFixed(0)}%.`;
      out.dataset.alpha = String(f.alpha);
    } else {
      out.textContent = state.fitError ?? `Needs at least 3 finished runs (${state.points.length} so far).`;
      delete out.dataset.alpha;
    }
  }

  async function refit() {
    state.fit = null;
    state.fitError = null;
    if (state.points.length >= 3) {
      await wasmReady;
      try {
        state.fit = fitPowerLaw(state.points.map((p) => ({ x: p.x, loss: p.val_loss })));
      } catch (e) {
        state.fitError = `No fit: ${e.message ?? e}`;
      }
    }
    render();
  }

  function readForm() {
    return sweepConfig({
      axis: $("axis").value,
      sizes: $("sizes").value,
      steps: $("steps").value,
      backend: $("scaling-backend").value,
      batch: $("batch-size").value,
      evalLimit: $("eval-limit").value,
    });
  }

  /** Run each size in turn, plotting and refitting after each; Cancel stops between runs. */
  async function runSweep() {
    let plan;
    try {
      plan = readForm();
    } catch (e) {
      showMessage(e.message);
      return;
    }
    state.sweeping = true;
    state.cancelSweep = false;
    state.points = [];
    state.sweepAxis = plan.axis;
    await refit();
    running("scaling-start", "scaling-cancel", true);
    const progress = $("scaling-progress");
    const bar = $("scaling-bar");
    progress.textContent = "Loading MNIST and building the sweep…";
    try {
      const { length } = await engine.call("sweepStart", { config: plan.config });
      bar.max = length;
      bar.value = 0;
      for (let i = 0; i < length && !state.cancelSweep; i++) {
        progress.textContent = `run ${i + 1} of ${length}: ${describeRun(plan.axis, plan.sizes[i])}, ${plan.config.steps} steps…`;
        const t0 = performance.now();
        const point = await engine.call("sweepNext");
        if (!point) break;
        point.ms = performance.now() - t0;
        state.points.push(point);
        bar.value = i + 1;
        await refit();
      }
      await engine.call("sweepStop");
      const n = state.points.length;
      progress.textContent = state.cancelSweep
        ? `Cancelled after ${n} of ${length} runs; the finished runs stay.`
        : `Done: ${n} runs on ${state.points[0]?.backend === "gpu" ? "the GPU" : "the CPU"}.`;
    } catch (e) {
      progress.textContent = `Stopped: ${e.message}`;
      showMessage(`The sweep failed: ${e.message}`);
      engine.call("sweepStop").catch(() => {});
    } finally {
      state.sweeping = false;
      running("scaling-start", "scaling-cancel", false);
    }
  }

  $("axis").addEventListener("change", () => {
    const a = AXES[$("axis").value];
    $("sizes-label").textContent = a.label;
    $("sizes-hint").textContent = a.hint;
    $("sizes").value = a.sizes;
  });
  $("scaling-start").addEventListener("click", runSweep);
  $("scaling-cancel").addEventListener("click", () => {
    state.cancelSweep = true;
    $("scaling-cancel").disabled = true;
    $("scaling-progress").textContent += " (cancelling after this run finishes)";
  });
  render();
}
