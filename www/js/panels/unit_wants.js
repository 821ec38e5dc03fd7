// What a unit wants (#unit-wants in "Look inside"): pick a dense or conv layer and a unit (or
// channel); the predictor's model climbs the input's gradient from noise to the image that
// excites it most (src/explain/unit.rs) and it is drawn in gray, beside the test images that
// excite it most (clicking one makes it the model's input).
import { imageCanvas } from "../inspect.js";

const TOP_SHOWN = 8;
const $ = (id) => document.getElementById(id);

function paintGray(canvas, pixels) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = Math.round(255 * pixels[i]);
    img.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

/** The top test images as buttons that make one the model's input. */
function showTop(store, box, top) {
  box.textContent = "";
  for (const { index, label, value, pixels } of top) {
    const b = document.createElement("button");
    b.type = "button";
    b.title = `test image ${index} (a ${label}): ${value.toFixed(2)}`;
    b.setAttribute("aria-label", b.title);
    b.append(imageCanvas(pixels), value.toFixed(1));
    b.addEventListener("click", () => store.update("input", { pixels, source: { kind: "test", index, label } }));
    box.append(b);
  }
}

export function mountUnitWants(store, explainer) {
  const select = $("unit-layer");
  let layers = [];

  async function fillLayers() {
    try {
      layers = await explainer.layers();
    } catch {
      return; // no model yet: the next "rebuilt"/"loaded" tries again
    }
    const keep = select.value;
    select.innerHTML = "";
    layers.forEach((l, i) => {
      if (!/dense|conv2d/.test(l.name)) return;
      const opt = document.createElement("option");
      opt.value = String(i);
      opt.textContent = `${l.name} (${l.shape[0]})`;
      select.append(opt);
    });
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }

  async function show() {
    const layer = Number(select.value);
    const unit = Number($("unit-index").value);
    const t0 = performance.now();
    $("unit-caption").textContent = "climbing…";
    try {
      const r = await explainer.unitWants({ layer, unit });
      paintGray($("unit28"), r.pixels);
      $("unit28").wants = { layer, unit, ...r };
      $("unit-caption").textContent = `${layers[layer]?.name ?? layer} #${unit}: ${r.startValue.toFixed(2)} → ${r.value.toFixed(2)} (${(performance.now() - t0).toFixed(0)} ms)`;
    } catch (e) {
      $("unit-caption").textContent = `unavailable: ${e.message}`;
    }
    const t1 = performance.now();
    $("unit-top-caption").textContent = "ranking the test images…";
    try {
      const { top, n } = await explainer.topImages({ layer, unit, k: TOP_SHOWN });
      showTop(store, $("unit-top"), top);
      $("unit-top").ranked = { layer, unit, top: top.map((t) => ({ index: t.index, value: t.value })) };
      $("unit-top-caption").textContent = `the ${top.length} of ${n} test images that excite it most (${(performance.now() - t1).toFixed(0)} ms)`;
    } catch (e) {
      $("unit-top-caption").textContent = `test images unavailable: ${e.message}`;
    }
  }

  $("unit-go").addEventListener("click", show);
  $("inside-box").addEventListener("toggle", () => {
    if ($("inside-box").open && !select.options.length) fillLayers();
  });
  store.subscribe(() => fillLayers(), ["rebuilt", "loaded"]);
}
