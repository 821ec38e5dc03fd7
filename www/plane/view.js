// The output view: the model's output over the plane as a heatmap (an n x n canvas, one pixel per
// grid cell, stretched by CSS), with the training (white ring) and test (dark ring) points drawn
// over it on a second canvas that also takes clicks (a click adds a point).
import { prepareCanvas } from "../js/plot/canvas.js";
import { css, paintGrid, pointColor } from "./colors.js";
import { toPixel, toPlane } from "./features.js";

export class PlotView {
  constructor(heatmap, overlay, { onClick }) {
    this.heatmap = heatmap;
    this.overlay = overlay;
    this.points = null;
    this.problem = "classification";
    this.showTest = false;
    this.discretize = false;
    overlay.addEventListener("click", (e) => {
      const size = overlay.clientWidth || 300;
      const [x, y] = toPlane(e.offsetX, e.offsetY, size);
      onClick(x, y);
    });
  }

  /** Paint the grid outputs: pixel (col, row) of the canvas is grid cell (row, col). */
  drawHeatmap(grid) {
    const c = this.heatmap;
    if (c.width !== grid.n) c.width = c.height = grid.n;
    const ctx = c.getContext("2d");
    const image = ctx.createImageData(grid.n, grid.n);
    paintGrid(image.data, grid.output, grid.n, grid.outputs, { discretize: this.discretize });
    ctx.putImageData(image, 0, 0);
  }

  setPoints(points, problem) {
    this.points = points;
    this.problem = problem;
    this.drawPoints();
  }

  setShowTest(show) {
    this.showTest = show;
    this.drawPoints();
  }

  drawPoints() {
    const { ctx, width } = prepareCanvas(this.overlay, { width: 300, height: 300 });
    if (!this.points) return;
    const sets = [["train", "#ffffff"]];
    if (this.showTest) sets.push(["test", "#222222"]);
    for (const [name, ring] of sets) {
      const { xy, target } = this.points[name];
      ctx.strokeStyle = ring;
      ctx.lineWidth = 1;
      for (let i = 0; i < target.length; i++) {
        const [px, py] = toPixel(xy[2 * i], xy[2 * i + 1], width);
        ctx.fillStyle = css(pointColor(target[i], this.problem));
        ctx.beginPath();
        ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      }
    }
  }
}

/** A small preview of a dataset's points (the dataset buttons). */
export function drawPreview(canvas, points, problem) {
  const { ctx, width } = prepareCanvas(canvas, { width: 40, height: 40 });
  ctx.fillStyle = "#f3f4f4";
  ctx.fillRect(0, 0, width, width);
  for (const name of ["train", "test"]) {
    const { xy, target } = points[name];
    for (let i = 0; i < target.length; i++) {
      const [px, py] = toPixel(xy[2 * i], xy[2 * i + 1], width);
      ctx.fillStyle = css(pointColor(target[i], problem));
      ctx.fillRect(px - 1, py - 1, 2, 2);
    }
  }
}
