// The page's numbers around the drawings: the step count, losses and accuracy, the frame rate,
// the play button, the status line and the history slider. Written once per frame, after the
// canvases, and only where a value changed: a DOM write before a canvas reads its size
// (prepareCanvas) forces a layout in the middle of the frame, and even an equal text dirties
// one (and `#status` is a live region: it should speak when its words change, not every frame).

export class Readout {
  /** `$`: id -> element. */
  constructor($) {
    this.$ = $;
  }

  /** Set `el[prop]` (or the attribute `aria-label`) to `value` unless it already is. */
  put(id, prop, value) {
    const el = this.$(id);
    if (prop === "aria-label") {
      if (el.getAttribute(prop) !== value) el.setAttribute(prop, value);
    } else if (el[prop] !== value) {
      el[prop] = value;
    }
  }

  /**
   * One frame's numbers: `metrics` ({step, trainLoss, testLoss, testAccuracy}), `playing`,
   * `fps` (while playing), `engine` (where it trains, for the status line), and the history:
   * `kept` steps and `view` ({index, step} of the kept step shown, or null for live).
   */
  show({ metrics: m, playing, fps, engine, kept, view }) {
    this.put("step-count", "textContent", String(m.step));
    this.put("train-loss", "textContent", m.trainLoss.toFixed(3));
    this.put("test-loss", "textContent", m.testLoss.toFixed(3));
    this.put("test-acc", "textContent", m.testAccuracy === null ? "–" : `${(m.testAccuracy * 100).toFixed(1)}%`);
    this.put("fps-line", "textContent", playing ? `${fps.toFixed(0)} fps while training` : "paused");
    // Pause as two heavy bars (U+275A, in common text fonts): many systems have no glyph for ⏸.
    this.put("play", "textContent", playing ? "❚❚" : "▶");
    this.put("play", "aria-label", playing ? "pause" : "train");
    const doing = playing ? "training" : view ? `showing step ${view.step} of the history` : "paused: ▶ trains";
    this.put("status", "textContent", `${engine} · ${doing}`);
    // The history slider: one position per kept step, the last one is the live model.
    this.put("history", "max", String(kept));
    this.put("history", "value", String(view ? view.index : kept));
    this.put("history-out", "textContent", view ? `step ${view.step} (kept ${view.index + 1} of ${kept})` : `live (step ${m.step})`);
  }
}
