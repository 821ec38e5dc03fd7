// The drawing pad: pointer events (mouse, pen, touch) into strokes, with clear and undo.
// Strokes are kept as point lists so undo can redraw; ink goes on a transparent canvas so the
// alpha channel is the ink intensity the preprocessing reads.

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
    this.pendingT = null;
    canvas.style.touchAction = "none";
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
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
    this.redraw();
    this.changed("draw", e.timeStamp);
  }

  move(e) {
    if (!this.current) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const c of events.length ? events : [e]) this.current.push(this.point(c));
    this.redraw();
    this.changed("draw", e.timeStamp);
  }

  up(e) {
    if (!this.current) return;
    this.current = null;
    this.changed("stroke", e.timeStamp);
  }

  /** Coalesce many pointer events into one change per animation frame. */
  changed(reason, t) {
    if (this.pendingT === null) {
      this.pendingT = t;
      requestAnimationFrame(() => {
        const t0 = this.pendingT;
        this.pendingT = null;
        this.onChange(reason, t0);
      });
    }
  }

  redraw() {
    const { ctx, canvas } = this;
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
