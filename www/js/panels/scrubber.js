// The history scrubber on the loss chart (#loss-chart): drag (mouse, pen or touch: pointer
// events) or focus the chart and press ←/→ (previous/next kept snapshot), Home (the first),
// End or Escape (back to live); "Resume from here" branches the run at the step shown. The chart
// is a focusable slider for assistive technology (role, aria-valuenow/-text). While the pointer
// moves, one view is in flight at a time and the newest position goes next.
const $ = (id) => document.getElementById(id);
const REFRESH_MS = 2000; // the kept-snapshot list, re-read this often while training
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

export function mountScrubber(store, app, lossChart) {
  const canvas = $("loss-chart");
  const timeline = app.timeline;
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "slider");
  canvas.setAttribute("aria-label", "training history: ←/→ step through the kept snapshots, End returns to live");
  canvas.setAttribute("aria-valuemin", "0");

  const kept = () => store.state.snapshots?.list ?? [];
  let wanted; // a step (or null) waiting to be shown
  let busy = false;
  function show(step) {
    wanted = step;
    if (busy) return;
    busy = true;
    const next = wanted;
    wanted = undefined;
    timeline
      .viewStep(next)
      .catch((e) => app.message(`Could not show that step: ${e.message}`))
      .finally(() => {
        busy = false;
        if (wanted !== undefined) show(wanted);
      });
  }

  /** The kept snapshot nearest `x` (a step). */
  function nearest(x) {
    let best = null;
    for (const p of kept()) if (!best || Math.abs(p.step - x) < Math.abs(best.step - x)) best = p;
    return best;
  }

  let refreshing = null;
  function refreshList() {
    if (refreshing || !store.state.ready) return refreshing;
    refreshing = timeline.history().catch(() => null).finally(() => (refreshing = null));
    return refreshing;
  }

  let dragging = false;
  canvas.addEventListener("pointerdown", async (e) => {
    dragging = true;
    canvas.setPointerCapture?.(e.pointerId);
    canvas.focus();
    await refreshList();
    const p = nearest(lossChart.xAt(e.clientX));
    if (p) show(p.step);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!dragging) return;
    const p = nearest(lossChart.xAt(e.clientX));
    if (p && p.step !== store.state.view?.step) show(p.step);
  });
  const end = () => (dragging = false);
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  canvas.addEventListener("keydown", async (e) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End", "Escape"].includes(e.key)) return;
    e.preventDefault();
    if (e.key === "End" || e.key === "Escape") return show(null);
    await refreshList();
    const list = kept();
    if (!list.length) return;
    const at = store.state.view ? list.findIndex((p) => p.step === store.state.view.step) : list.length;
    const i = e.key === "Home" ? 0 : e.key === "ArrowLeft" ? Math.max(0, at - 1) : Math.min(list.length, at + 1);
    show(i >= list.length ? null : list[i].step);
  });

  $("view-live").addEventListener("click", () => show(null));
  $("resume-here").addEventListener("click", () => {
    const v = store.state.view;
    if (v) timeline.resumeFrom(v.step).catch((e) => app.message(`Could not resume: ${e.message}`));
  });

  let lastRefresh = 0;
  function render(s) {
    const v = s.view;
    $("view-live").disabled = !v;
    $("resume-here").disabled = !v;
    const list = s.snapshots?.list ?? [];
    canvas.setAttribute("aria-valuemax", String(s.step));
    canvas.setAttribute("aria-valuenow", String(v ? v.step : s.step));
    const where = v ? `step ${v.step} (epoch ${v.epoch}${v.loss != null ? `, loss ${v.loss.toFixed(3)}` : ""})` : `live, step ${s.step}`;
    canvas.setAttribute("aria-valuetext", where);
    const memory = s.snapshots ? `${list.length} snapshots kept, ${mb(s.snapshots.bytes)} of ${mb(s.snapshots.capBytes)}` : "";
    $("history-info").textContent = `${v ? `Viewing ${where}: the pad, bars and look-inside show that step.` : ""} ${memory}`.trim();
  }
  store.subscribe((s, name) => {
    if (name === "metrics" && performance.now() - lastRefresh > REFRESH_MS) {
      lastRefresh = performance.now();
      refreshList();
    }
    render(s);
  }, ["view", "snapshots", "metrics", "resumed", "settings", "rebuilt", "loaded", "started"]);
  render(store.state);
}
