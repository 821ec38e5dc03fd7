// The learning-rate schedule control (#schedule, #schedule-steps) and early stopping's
// (#early-stop, #early-patience; the page always restores the best weights).
//
// The schedule control (#schedule, #schedule-steps): a kind and its length in
// steps (the steps between decays for step decay); other parameters take their defaults
// (www/js/schedule.js), configure({schedule}) sets any of them. A change is live, like the rate.
import { describeSchedule } from "../schedule.js";

const $ = (id) => document.getElementById(id);

export function mountScheduleControl(store, app) {
  const kind = $("schedule");
  const steps = $("schedule-steps");

  function fromControls() {
    const n = Math.max(2, Math.round(Number(steps.value) || 2000));
    switch (kind.value) {
      case "step":
        return { kind: "step", every: n };
      case "cosine":
        return { kind: "cosine", steps: n };
      case "warmup_cosine":
        return { kind: "warmup_cosine", warmup: Math.max(1, Math.round(n / 20)), steps: n };
      case "onecycle":
        return { kind: "onecycle", steps: Math.max(10, n) };
      default:
        return { kind: "constant" };
    }
  }

  function apply() {
    app.configure({ schedule: fromControls() }).catch((e) => app.message(`Schedule not changed: ${e.message}`));
  }
  kind.addEventListener("change", apply);
  steps.addEventListener("change", apply);

  function render(s) {
    const sc = s.config?.schedule ?? { kind: "constant" };
    kind.value = sc.kind;
    const n = sc.kind === "step" ? sc.every : sc.steps;
    if (n !== undefined && document.activeElement !== steps) steps.value = String(n);
    steps.disabled = sc.kind === "constant";
    $("schedule-info").textContent = sc.kind === "constant" ? "" : `${describeSchedule(sc)}; the slider sets its peak (base) rate`;
  }
  store.subscribe(render, ["started", "settings", "loaded", "rebuilt"]);
  render(store.state);
}

export function mountEarlyStopControl(store, app) {
  const on = $("early-stop");
  const patience = $("early-patience");
  function apply() {
    const p = Math.max(1, Math.min(1000, Math.round(Number(patience.value) || 5)));
    app.configure({ earlyStop: on.checked ? { patience: p, restore: true } : null }).catch((e) => app.message(`Early stopping not changed: ${e.message}`));
  }
  on.addEventListener("change", apply);
  patience.addEventListener("change", () => on.checked && apply());
  function render(s) {
    const es = s.config?.earlyStop;
    on.checked = !!es;
    if (es && document.activeElement !== patience) patience.value = String(es.patience);
  }
  store.subscribe(render, ["started", "settings", "loaded", "rebuilt"]);
  render(store.state);
}
