// The run's curves: test and training loss, and each layer's weight-gradient norm (the gradient
// flow), one point per step a frame answered, on two line charts. Every frame's numbers go in as
// it arrives, drawn or not, so a frame the view skips leaves no gap.
import { LineChart } from "../js/chart.js";

/** Points kept per curve; beyond it every other one is dropped (the curve keeps its shape). */
const CURVE_KEEP = 1200;

function pushCurve(list, point) {
  list.push(point);
  if (list.length > CURVE_KEEP) {
    const kept = list.filter((_, i) => i % 2 === 0 || i === list.length - 1);
    list.length = 0;
    list.push(...kept);
  }
}

export class Curves {
  constructor(lossCanvas, flowCanvas) {
    this.lossChart = new LineChart(lossCanvas, { xLabel: "step", yMin: 0 });
    this.flowChart = new LineChart(flowCanvas, { xLabel: "step", logY: true, emptyText: "gradient norms appear once it trains" });
    this.clear();
  }

  /** A new run: no points. */
  clear() {
    this.train = [];
    this.test = [];
    this.flow = []; // per weight tensor: [[step, grad norm]]
  }

  /** A frame's losses and gradient norms (once per step; a history view adds nothing). */
  remember(f) {
    const m = f.metrics;
    if (f.view || this.train.at(-1)?.[0] === m.step) return;
    pushCurve(this.train, [m.step, m.trainLoss]);
    pushCurve(this.test, [m.step, m.testLoss]);
    f.weights.forEach((w, i) => {
      if (!w.name.endsWith(".weight")) return;
      this.flow[i] ??= [];
      if (m.step > 0) pushCurve(this.flow[i], [m.step, f.gradNorms[i]]);
    });
  }

  /** Redraw both charts; `layers` (hidden widths) names the gradient-flow lines. */
  draw(layers) {
    this.lossChart.setSeries([
      { name: "test", color: "#222", points: this.test },
      { name: "training", color: "#999", points: this.train },
    ]);
    const names = layers.map((_, h) => `layer ${h + 1}`).concat("output");
    this.flowChart.setSeries(
      this.flow.map((pts, i) => (pts ? { name: names[i / 2] ?? `tensor ${i}`, color: `hsl(${(i / 2) * 67} 60% 42%)`, points: pts } : null)).filter(Boolean),
    );
  }
}
