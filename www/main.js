// The playground page: one store (www/js/store.js, with the page's updates in www/js/run.js),
// two workers (www/js/workers_client.js), the actions on them (www/js/app.js), and one panel per
// part of the page (www/js/panels/), each rendering from the store. This file only wires them.
import * as Config from "./js/config.js";
import { Store } from "./js/store.js";
import { initialState, updates } from "./js/run.js";
import { startWorkers } from "./js/workers_client.js";
import { App } from "./js/app.js";
import { mountMessage } from "./js/panels/message.js";
import { mountStatus } from "./js/panels/status.js";
import { mountDataStatus } from "./js/panels/data_status.js";
import { mountExamples } from "./js/panels/examples.js";
import { mountTestStrip } from "./js/panels/test_strip.js";
import { mountControls } from "./js/panels/controls.js";
import { mountPad } from "./js/panels/pad.js";
import { mountCharts } from "./js/panels/charts.js";
import { mountTestResults } from "./js/panels/test_results.js";
import { mountInside } from "./js/panels/inside.js";
import { mountKeep } from "./js/panels/keep.js";
import { mountApi } from "./js/panels/api.js";
import { mountExplain } from "./js/panels/explain.js";
import { mountUnitWants } from "./js/panels/unit_wants.js";
import { mountScrubber } from "./js/panels/scrubber.js";
import { mountRace } from "./js/panels/race.js";
import { raceUpdates } from "./js/race.js";
import { mountScheduleControl, mountEarlyStopControl } from "./js/panels/schedule_control.js";

// The settings form never submits (the content security policy allows no inline handler).
document.getElementById("train-form").addEventListener("submit", (e) => e.preventDefault());

const parsed = Config.fromHash(location.hash);
const store = new Store(
  { ...updates, ...raceUpdates },
  { ...initialState(parsed.config), race: null, raceSetup: parsed.race ?? null },
  { paced: { metrics: 250, stats: 250 } },
);
const app = new App(store, startWorkers(store));

mountMessage(store);
mountStatus(store);
mountDataStatus(store);
mountControls(store, app);
const padView = mountPad(store, app);
const examples = mountExamples(store, app);
mountTestStrip(store, app);
const charts = mountCharts(store);
mountScrubber(store, app, charts.lossChart);
mountScheduleControl(store, app);
mountEarlyStopControl(store, app);
mountRace(store, app);
mountTestResults(store, app);
mountInside(store, app);
mountKeep(store, app);
const explain = mountExplain(store, app, padView.pad);
mountUnitWants(store, explain.explainer);
mountApi(store, app, explain.explainer, examples);

if (parsed.error) app.message(parsed.error);
app.boot(parsed);
