// A simple architecture builder: rows of dense or conv layers (width, activation, and dropout for
// dense / 2x2 max-pool for conv) turned into a spec. Convs come first, a flatten is inserted
// before the first dense layer, and the 10-way output layer is always appended.

const ACTS = ["relu", "tanh", "sigmoid"];

export function rowsToSpec(rows) {
  const hasConv = rows.some((r) => r.type === "conv");
  const layers = [];
  let flat = !hasConv;
  for (const r of rows) {
    if (r.type === "conv") {
      layers.push({ type: "conv2d", filters: r.width, kernel: r.kernel ?? 3, padding: "same" });
      layers.push({ type: r.act });
      if (r.pool) layers.push({ type: "max_pool2d", size: 2 });
    } else {
      if (!flat) {
        layers.push({ type: "flatten" });
        flat = true;
      }
      layers.push({ type: "dense", units: r.width });
      layers.push({ type: r.act });
      if (r.dropout > 0) layers.push({ type: "dropout", rate: r.dropout });
    }
  }
  if (!flat) layers.push({ type: "flatten" });
  layers.push({ type: "dense", units: 10 });
  return { input: hasConv ? [1, 28, 28] : [784], layers, loss: "softmax_cross_entropy" };
}

/** Best-effort inverse of rowsToSpec for a spec (presets included), to seed the builder. */
export function specToRows(spec) {
  const rows = [];
  const L = spec.layers;
  for (let i = 0; i < L.length; i++) {
    const l = L[i];
    const isLast = i === L.length - 1 || !L.slice(i + 1).some((x) => x.type === "dense" || x.type === "conv2d");
    if (l.type === "dense" && isLast) break;
    if (l.type === "dense" || l.type === "conv2d") {
      const row = { type: l.type === "dense" ? "dense" : "conv", width: l.units ?? l.filters, act: "relu", dropout: 0, pool: false, kernel: l.kernel };
      for (let j = i + 1; j < L.length && !["dense", "conv2d"].includes(L[j].type); j++) {
        if (ACTS.includes(L[j].type)) row.act = L[j].type;
        if (L[j].type === "dropout") row.dropout = L[j].rate;
        if (L[j].type === "max_pool2d") row.pool = true;
      }
      rows.push(row);
    }
  }
  return rows;
}

export class Builder {
  /** @param {HTMLElement} root  @param {() => void} onChange */
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.rows = [{ type: "dense", width: 128, act: "relu", dropout: 0, pool: false }];
    this.list = root.querySelector(".layers");
    root.querySelector(".add-dense").addEventListener("click", () => this.add("dense"));
    root.querySelector(".add-conv").addEventListener("click", () => this.add("conv"));
    this.render();
  }

  add(type) {
    const row = type === "conv"
      ? { type, width: 16, act: "relu", dropout: 0, pool: true, kernel: 3 }
      : { type, width: 64, act: "relu", dropout: 0, pool: false };
    if (type === "conv") {
      const firstDense = this.rows.findIndex((r) => r.type === "dense");
      this.rows.splice(firstDense < 0 ? this.rows.length : firstDense, 0, row);
    } else this.rows.push(row);
    this.render();
    this.onChange();
  }

  setRows(rows) {
    this.rows = rows.map((r) => ({ ...r }));
    this.render();
  }

  spec() {
    return rowsToSpec(this.rows);
  }

  render() {
    this.list.textContent = "";
    this.rows.forEach((r, i) => {
      const li = document.createElement("li");
      const label = (text, el) => {
        const l = document.createElement("label");
        l.append(text, el);
        return l;
      };
      const kind = document.createElement("span");
      kind.className = "layer-kind";
      kind.textContent = r.type === "conv" ? "conv 3x3" : "dense";
      const width = document.createElement("input");
      width.type = "number";
      width.min = 1;
      width.max = r.type === "conv" ? 128 : 1024;
      width.value = r.width;
      width.setAttribute("aria-label", `layer ${i + 1} ${r.type === "conv" ? "filters" : "units"}`);
      width.addEventListener("change", () => {
        r.width = Math.max(1, Math.min(Number(width.max), Math.round(Number(width.value) || 1)));
        width.value = r.width;
        this.onChange();
      });
      const act = document.createElement("select");
      for (const a of ACTS) act.add(new Option(a, a, false, a === r.act));
      act.setAttribute("aria-label", `layer ${i + 1} activation`);
      act.addEventListener("change", () => {
        r.act = act.value;
        this.onChange();
      });
      li.append(kind, label(r.type === "conv" ? " filters " : " units ", width), label(" ", act));
      if (r.type === "conv") {
        const pool = document.createElement("input");
        pool.type = "checkbox";
        pool.checked = r.pool;
        pool.addEventListener("change", () => {
          r.pool = pool.checked;
          this.onChange();
        });
        li.append(label(" pool ", pool));
      } else {
        const drop = document.createElement("input");
        drop.type = "number";
        drop.min = 0;
        drop.max = 0.9;
        drop.step = 0.1;
        drop.value = r.dropout;
        drop.addEventListener("change", () => {
          r.dropout = Math.max(0, Math.min(0.9, Number(drop.value) || 0));
          drop.value = r.dropout;
          this.onChange();
        });
        li.append(label(" dropout ", drop));
      }
      const rm = document.createElement("button");
      rm.type = "button";
      rm.textContent = "✕";
      rm.title = "remove this layer";
      rm.setAttribute("aria-label", `remove layer ${i + 1}`);
      rm.addEventListener("click", () => {
        this.rows.splice(i, 1);
        this.render();
        this.onChange();
      });
      li.append(rm);
      this.list.append(li);
    });
    const out = document.createElement("li");
    out.className = "layer-out";
    out.textContent = "dense 10 → softmax (output)";
    this.list.append(out);
  }
}
