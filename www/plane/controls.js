// The plane's controls: the top bar (learning rate, activation, optimizer, L1, L2, backend, problem), the
// data column (dataset buttons, ratio, noise, batch, seed, the class a click adds) and the
// features column. `show(settings)` puts settings into the controls; a user change calls
// `onChange(partialSettings)`. Every control is a labelled native input.
import { DATASETS, FEATURES } from "./state.js";
import { featureGrid } from "./features.js";
import { paintNeuron } from "./colors.js";

const $ = (id) => document.getElementById(id);

/** `value` as an option of `select`, added if missing (an address may carry any valid rate). */
function choose(select, value) {
  const text = String(value);
  if (![...select.options].some((o) => o.value === text)) select.add(new Option(text, text));
  select.value = text;
}

export class Controls {
  constructor({ onChange, onPreview }) {
    this.onChange = onChange;
    this.datasetButtons = new Map();
    for (const [id, key, parse] of [
      ["lr", "lr", Number],
      ["activation", "activation", String],
      ["optimizer", "optimizer", String],
      ["l1", "l1", Number],
      ["l2", "l2", Number],
      ["backend", "backend", String],
    ]) {
      $(id).addEventListener("change", (e) => onChange({ [key]: parse(e.target.value) }));
    }
    $("problem").addEventListener("change", (e) => onChange({ problem: e.target.value }));
    const slider = (id, key, scale) => {
      $(id).addEventListener("input", (e) => ($(`${id}-out`).textContent = this.format(key, Number(e.target.value) / scale)));
      $(id).addEventListener("change", (e) => onChange({ [key]: Number(e.target.value) / scale }));
    };
    slider("ratio", "ratio", 100);
    slider("noise", "noise", 100);
    slider("batch", "batch", 1);
    $("seed").addEventListener("change", (e) => onChange({ seed: Number(e.target.value) }));
    $("regenerate").addEventListener("click", () => onChange({ seed: (Number($("seed").value) + 1) >>> 0 }));

    for (const [name, d] of Object.entries(DATASETS)) {
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "radio");
      b.setAttribute("aria-label", d.label);
      b.title = d.label;
      b.dataset.problem = d.problem;
      const c = document.createElement("canvas");
      c.width = c.height = 40;
      c.setAttribute("aria-hidden", "true"); // the button is named; the preview is decoration
      b.append(c);
      b.addEventListener("click", () => onChange({ dataset: name }));
      $("datasets").append(b);
      this.datasetButtons.set(name, b);
      onPreview(name, c);
    }

    for (const name of FEATURES) {
      const row = document.createElement("label");
      row.className = "feature";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = name;
      box.id = `feature-${name}`;
      box.addEventListener("change", () => {
        const features = [...document.querySelectorAll("#features input:checked")].map((b) => b.value);
        onChange({ features });
      });
      const c = document.createElement("canvas");
      c.width = c.height = 24;
      c.setAttribute("aria-hidden", "true");
      const ctx = c.getContext("2d");
      const image = ctx.createImageData(24, 24);
      paintNeuron(image.data, featureGrid(name, 24), 24, 1, 0);
      ctx.putImageData(image, 0, 0);
      const text = document.createElement("span");
      text.textContent = name;
      row.append(box, c, text);
      $("features").append(row);
    }
  }

  format(key, v) {
    if (key === "ratio" || key === "noise") return key === "ratio" ? `${Math.round(v * 100)}%` : String(Math.round(v * 100));
    return String(v);
  }

  /** Put `s` into every control. */
  show(s) {
    choose($("lr"), s.lr);
    $("activation").value = s.activation;
    $("optimizer").value = s.optimizer;
    choose($("l1"), s.l1);
    choose($("l2"), s.l2);
    $("backend").value = s.backend;
    const problem = DATASETS[s.dataset].problem;
    $("problem").value = problem;
    for (const [name, b] of this.datasetButtons) {
      b.setAttribute("aria-checked", String(name === s.dataset));
      b.hidden = b.dataset.problem !== problem;
    }
    for (const [id, key, scale] of [["ratio", "ratio", 100], ["noise", "noise", 100], ["batch", "batch", 1]]) {
      $(id).value = String(Math.round(s[key] * scale));
      $(`${id}-out`).textContent = this.format(key, s[key]);
    }
    $("seed").value = String(s.seed);
    for (const box of document.querySelectorAll("#features input")) box.checked = s.features.includes(box.value);
    const click = $("click-class");
    const d = DATASETS[s.dataset];
    const options = d.problem === "regression"
      ? [["1", "value +1 (blue)"], ["0", "value 0"], ["-1", "value −1 (orange)"]]
      : Array.from({ length: d.classes }, (_, k) => [String(k), `class ${k} (${["orange", "blue", "green", "purple"][k]})`]);
    if (click.options.length !== options.length || click.options[0]?.text !== options[0][1]) {
      click.replaceChildren(...options.map(([v, t]) => new Option(t, v)));
    }
    $("layer-count").textContent = `${s.layers.length} hidden layer${s.layers.length === 1 ? "" : "s"}`;
    $("add-layer").disabled = s.layers.length >= 6;
    $("remove-layer").disabled = s.layers.length === 0;
  }

  clickTarget() {
    return Number($("click-class").value);
  }
}

