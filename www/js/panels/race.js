// The Race panel (#race-panel): a preset, steps and a target accuracy (kept in the address as
// `race=`), the runs' loss and validation-accuracy curves overlaid with a legend, and the table
// (steps and seconds to the target, best validation loss, final test accuracy); each row's
// button makes that run the main run.
import { LineChart, smooth } from "../chart.js";
import { PRESETS, RACE_COLORS, adoptRace, runRace, setupConfigs } from "../race.js";

const $ = (id) => document.getElementById(id);
const REDRAW_MS = 200;
const pct = (x) => `${(100 * x).toFixed(1)}%`;

export function mountRace(store, app) {
  const lossChart = new LineChart($("race-loss"), { yMin: 0, emptyText: "run a race to compare curves" });
  const accChart = new LineChart($("race-acc"), { yMin: 0, yMax: 1, emptyText: "validation accuracy per run" });

  function setupFromControls() {
    return { preset: $("race-preset").value, steps: Math.max(8, Math.round(Number($("race-steps").value) || 300)), target: Number($("race-target").value) || 0.9 };
  }
  function saveSetup() {
    store.update("raceSetup", setupFromControls());
  }
  for (const id of ["race-preset", "race-steps", "race-target"]) $(id).addEventListener("change", saveSetup);
  $("race-run").addEventListener("click", () => {
    const setup = setupFromControls();
    store.update("raceSetup", setup);
    runRace(store, app, setupConfigs(setup), { steps: setup.steps, target: setup.target }).catch(() => {});
  });

  $("race-stop").addEventListener("click", () => app.call("raceStop").catch(() => {}));

  function draw(s) {
    const r = s.race;
    const setup = s.raceSetup;
    if (setup && document.activeElement?.closest?.("#race-panel") == null) {
      if (setup.preset) $("race-preset").value = setup.preset;
      $("race-steps").value = String(setup.steps);
      $("race-target").value = String(setup.target);
    }
    $("race-run").disabled = !!r?.running;
    $("race-stop").disabled = !r?.running;
    if (!r) return;
    const name = (i) => r.names[i] ?? `run ${i + 1}`;
    lossChart.setSeries(r.runs.map((run, i) => ({ name: name(i), color: RACE_COLORS[i], points: smooth(run.loss, 0.9), width: 2 })));
    accChart.setSeries(r.runs.map((run, i) => ({ name: name(i), color: RACE_COLORS[i], points: run.val.map(([x, , acc]) => [x, acc]), width: 2, dots: true })));
    $("race-status").textContent = r.running ? "racing…" : r.error ? `The race failed: ${r.error}` : "";
    const table = $("race-table");
    table.replaceChildren();
    if (!r.rows) return;
    const head = table.createTHead().insertRow();
    for (const h of ["run", `steps to ${pct(r.rows[0]?.target ?? r.target)} val.`, "seconds to it", "best val. loss", "final test acc.", ""]) {
      const th = document.createElement("th");
      th.textContent = h;
      head.append(th);
    }
    const body = table.createTBody();
    r.rows.forEach((row, i) => {
      const tr = body.insertRow();
      const cells = [row.name, row.stepsToTarget ?? "not reached", row.secondsToTarget ?? "–", row.bestValLoss?.toFixed(4) ?? "–", pct(row.finalTestAccuracy)];
      for (const c of cells) tr.insertCell().textContent = String(c);
      tr.cells[0].style.color = RACE_COLORS[i];
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Make main run";
      button.addEventListener("click", () => adoptRace(store, app, i).catch((e) => app.message(`Could not adopt that run: ${e.message}`)));
      tr.insertCell().append(button);
    });
  }
  let scheduled = false;
  store.subscribe(() => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      draw(store.state);
    }, REDRAW_MS);
  }, ["raceStarted", "raceProgress", "raceDone", "raceSetup", "started"]);
  draw(store.state);
  return { presets: PRESETS };
}
