// The dataset choice (MNIST or Fashion-MNIST) and a strip of test images under the pad: a click
// puts one on the pad to classify (drawing a shoe is a poor test). The strip shows the first
// test image of each class of the dataset in use, and is redrawn when the dataset changes.
import { imageCanvas } from "../inspect.js";
import { classNames } from "../classes.js";
import { rovingGroup } from "../roving.js";

const $ = (id) => document.getElementById(id);
const SCAN = 200; // test images looked at to find one of each class

export function mountTestStrip(store, app) {
  const select = $("dataset");
  select.addEventListener("change", async () => {
    try {
      await app.configure({ dataset: select.value });
    } catch (e) {
      app.message(`Could not change the dataset: ${e.message}`);
      select.value = store.state.data.dataset;
    }
  });

  const resetStrip = rovingGroup($("test-strip"));
  let shown = null;
  let run = 0;
  async function fill(s) {
    const dataset = s.data.dataset;
    select.value = dataset;
    if (!s.ready || shown === dataset) return;
    shown = dataset;
    const mine = ++run;
    const names = classNames(dataset);
    const found = new Map();
    for (let index = 0; index < SCAN && found.size < 10; index++) {
      const { pixels, label } = await app.call("testImage", { index });
      if (mine !== run) return;
      if (!found.has(label)) found.set(label, { index, pixels, label });
    }
    const strip = $("test-strip");
    strip.replaceChildren(
      ...[...found.values()]
        .sort((a, b) => a.label - b.label)
        .map(({ index, pixels, label }) => {
          const b = document.createElement("button");
          b.type = "button";
          b.title = `classify test image ${index} (a ${names[label]})`;
          b.setAttribute("aria-label", b.title);
          b.append(imageCanvas(pixels));
          b.addEventListener("click", () => store.update("input", { pixels, source: { kind: "test", index, label } }));
          return b;
        }),
    );
    resetStrip();
  }
  store.subscribe((s) => fill(s).catch(() => (shown = null)), ["started", "settings"]);
}
