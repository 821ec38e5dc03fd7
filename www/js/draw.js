// The drawing pad: pointer events (mouse, pen, touch) into strokes, with clear and undo.
// Strokes are kept as point lists so undo can redraw; ink goes on a transparent canvas so the
// alpha channel is the ink intensity the preprocessing reads.
//
// Moves are read from `pointerrawupdate` where the browser sends it (Chromium, in secure
// contexts): it is dispatched as the pen moves, while Chromium holds `pointermove` back to the
// next animation frame (~7 ms median of the draw -> prediction latency, tests/e2e/latency_bench.mjs).
// Changes are still reported, and the pad redrawn, at most once per animation frame: the first
// change after a frame is reported at once, later ones in the same frame wait for the next.

export class DrawPad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {(reason: string, t: number) => void} onChange called after every change, with the
   *   time stamp (performance.now()) of the input that caused it.
   */
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { willReadFrequently: true });
    this.onChange = onChange;
    this.strokes = [];
    this.current = null;
    this.lineWidth = canvas.width * 0.075;
    this.pendingT = null; // time stamp of the oldest change not yet reported
    this.pendingReason = null;
    this.dirty = false; // strokes changed since the last redraw
    this.frameFree = true; // no change reported since the last animation frame
    this.frameRequested = false;
    this.raw = false; // this stroke's moves come from pointerrawupdate (pointermove is ignored)
    canvas.style.touchAction = "none";
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointerrawupdate", (e) => this.move(e, true));
    canvas.addEventListener("pointermove", (e) => this.move(e, false));
    canvas.addEventListener("pointerup", (e) => this.up(e));
    canvas.addEventListener("pointercancel", (e) => this.up(e));
    canvas.addEventListener("keydown", (e) => {
      if ((e.key === "z" && (e.ctrlKey || e.metaKey)) || e.key === "Backspace") {
        e.preventDefault();
        this.undo();
      } else if (e.key === "Delete" || e.key === "Escape") {
        this.clear();
      }
    });
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.canvas.width, ((e.clientY - r.top) / r.height) * this.canvas.height];
  }

  down(e) {
    if (e.button !== undefined && e.button > 0) return;
    e.preventDefault();
    this.canvas.setPointerCapture?.(e.pointerId);
    this.current = [this.point(e)];
    this.strokes.push(this.current);
    this.raw = false;
    this.dirty = true;
    this.changed("draw", e.timeStamp);
  }

  /** `raw`: a pointerrawupdate; once one came, this stroke's pointermoves repeat it. */
  move(e, raw) {
    if (!this.current) return;
    if (raw) this.raw = true;
    else {
      e.preventDefault();
      if (this.raw) return;
    }
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const c of events.length ? events : [e]) this.current.push(this.point(c));
    this.dirty = true;
    // The oldest pen event this change includes: the latency counts from it.
    const t = events.length ? events[0].timeStamp : e.timeStamp;
    this.changed("draw", t);
  }

  up(e) {
    if (!this.current) return;
    this.current = null;
    this.changed("stroke", e.timeStamp);
  }

  /** Report a change at once if none was reported since the last frame, else at the next. */
  changed(reason, t) {
    if (this.pendingT === null) {
      this.pendingT = t;
      this.pendingReason = reason;
    }
    if (this.frameFree) this.report();
    else this.nextFrame();
  }

  nextFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.frameFree = true;
      if (this.pendingT !== null) this.report();
    });
  }

  /** Redraw (if the strokes changed) and report the pending change. */
  report() {
    const t = this.pendingT;
    const reason = this.pendingReason;
    this.pendingT = null;
    this.frameFree = false;
    this.nextFrame();
    if (this.dirty) this.redraw();
    this.onChange(reason, t);
  }

  redraw() {
    const { ctx, canvas } = this;
    this.dirty = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.lineWidth = this.lineWidth;
    for (const s of this.strokes) {
      if (s.length === 1) {
        ctx.beginPath();
        ctx.arc(s[0][0], s[0][1], this.lineWidth / 2, 0, Math.PI * 2);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(s[0][0], s[0][1]);
      for (let i = 1; i < s.length; i++) ctx.lineTo(s[i][0], s[i][1]);
      ctx.stroke();
    }
  }

  undo() {
    if (!this.strokes.length) return;
    this.strokes.pop();
    this.current = null;
    this.redraw();
    this.changed("undo", performance.now());
  }

  clear() {
    this.strokes = [];
    this.current = null;
    this.redraw();
    this.changed("clear", performance.now());
  }

  isEmpty() {
    return this.strokes.length === 0;
  }

  /** RGBA of the whole pad. */
  pixels() {
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height).data;
  }
}
