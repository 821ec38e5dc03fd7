// The Watch panel's curves: loss (train, smoothed train, validation; learning-rate changes and
// other mid-run changes as markers) and accuracy (smoothed train, validation, test), redrawn at
// most every 150 ms from the store; and their export as CSV and PNG.
import { LineChart, smooth } from "../chart.js";
import { curvesCsv } from "../run.js";
import { fmtLr } from "./controls.js";
import { download } from "../download.js";
import { scheduleFactor, validateSchedule } from "../schedule.js";

const $ = (id) => document.getElementById(id);
const REDRAW_MS = 150;
const CURVE_UPDATES = ["started", "metrics", "evaluation", "settings", "rebuilt", "loaded", "view", "resumed"];
const LR_AHEAD_POINTS = 200;

/** The scheduled rate from the current step to the schedule's end (dashed, not yet trained). */
function scheduledAhead(s) {
  let sc;
  try {
    sc = validateSchedule(s.config?.schedule);
  } catch {
    return [];
  }
  if (sc.kind === "constant") return [];
  const end = sc.kind === "step" ? s.step + 3 * sc.every : sc.steps + s.stepOffset;
  if (end <= s.step) return [];
  const out = [];
  for (let i = 0; i <= LR_AHEAD_POINTS; i++) {
    const t = Math.round(s.step + ((end - s.step) * i) / LR_AHEAD_POINTS);
    out.push([t, s.config.optimizer.lr * scheduleFactor(sc, t - s.stepOffset)]);
  }
  return out;
}

export function mountCharts(store) {
  const lossChart = new LineChart($("loss-chart"), { yMin: 0, emptyText: "press Train to see the loss" });
  const accChart = new LineChart($("acc-chart"), { yMin: 0, yMax: 1, emptyText: "accuracy appears here" });
  const lrChart = new LineChart($("lr-chart"), { yMin: 0, emptyText: "learning rate per step" });

  function draw(s) {
    // Bounded however long the run (history.js): bucket means, then the recent steps.
    const loss = s.history.points("loss");
    const acc = s.history.points("accuracy");
    // Smooth over ~1/20 of the points (bounded), so short runs are not dominated by EMA lag.
    const alpha = Math.min(0.98, Math.max(0.6, 1 - 20 / Math.max(1, loss.length)));
    lossChart.setSeries([
      // Branches left by "Resume from here", dimmed.
      ...s.branches.map((points, i) => ({ name: i ? "" : "abandoned branch", color: "rgba(120,120,120,0.3)", points: smooth(points, alpha), width: 1 })),
      { name: "train", color: "rgba(47,125,79,0.28)", points: loss, width: 1, band: s.history.band("loss") },
      { name: "train (smoothed)", color: "#2f7d4f", points: smooth(loss, alpha), width: 2 },
      { name: "validation", color: "#c0392b", points: s.validation.map((p) => [p.step, p.loss]), dots: true },
    ]);
    lossChart.setMarkers([
      ...s.lrMarks.map((m) => ({ x: m.step, label: `lr ${fmtLr(m.lr)}` })),
      ...s.marks.map((m) => ({ x: m.step, label: m.label })),
      ...(s.view ? [{ x: s.view.step, label: `◆ step ${s.view.step}` }] : []),
    ]);
    lrChart.setSeries([
      { name: "learning rate", color: "#b35c00", points: s.history.points("lr"), width: 1.5 },
      { name: "scheduled", color: "rgba(179,92,0,0.45)", points: scheduledAhead(s), width: 1, dash: [4, 3] },
    ]);
    lrChart.setMarkers(s.view ? [{ x: s.view.step, label: "" }] : []);
    accChart.setSeries([
      { name: "train (smoothed)", color: "#2f7d4f", points: smooth(acc, alpha), width: 2 },
      { name: "validation", color: "#c0392b", points: s.validation.map((p) => [p.step, p.accuracy]), dots: true },
      { name: "test", color: "#2c6fbb", points: s.test.map((p) => [p.step, p.accuracy]), dots: true },
      // The user's own examples (www/js/examples.js), beside validation.
      ...(s.own.length ? [{ name: "your examples", color: "#8e44ad", points: s.own.map((p) => [p.step, p.accuracy]), dots: true }] : []),
    ]);
  }

  let scheduled = false;
  store.subscribe(() => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      draw(store.state);
    }, REDRAW_MS);
  }, CURVE_UPDATES);
  draw(store.state);
  const charts = { lossChart };

  $("export-csv").addEventListener("click", () =>
    download(new Blob([curvesCsv(store.state)], { type: "text/csv" }), "gradient-garden-curves.csv"),
  );
  $("export-png").addEventListener("click", () => {
    const a = $("loss-chart"), b = $("acc-chart");
    const c = document.createElement("canvas");
    c.width = Math.max(a.width, b.width);
    c.height = a.height + b.height;
    const ctx = c.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(a, 0, 0);
    ctx.drawImage(b, 0, a.height);
    c.toBlob((blob) => download(blob, "gradient-garden-curves.png"), "image/png");
  });
  return charts;
}
