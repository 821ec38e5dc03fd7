// Test results: the Test accuracy button and "Test at epoch end", the accuracy line, the
// confusion matrix with per-class precision/recall/F1, and the gallery of misclassified test
// images; clicking one makes it the model's input (pad, bars, look inside).
import { imageCanvas, renderConfusion } from "../inspect.js";
import { classNames } from "../classes.js";

const $ = (id) => document.getElementById(id);
const MISTAKES_SHOWN = 60;

export function mountTestResults(store, app) {
  let shownRun = 0; // a newer result stops an older gallery that is still filling

  async function show(result) {
    $("test-result").textContent =
      `Test accuracy: ${(100 * result.accuracy).toFixed(2)}% on ${result.n} t10k images (loss ${result.loss.toFixed(4)})`;
    const dataset = store.state.data.dataset;
    const names = classNames(dataset);
    renderConfusion($("confusion"), result.confusion, dataset === "mnist" ? null : names);
    const run = ++shownRun;
    const box = $("mistakes");
    box.textContent = "";
    const shown = result.mistakes.slice(0, MISTAKES_SHOWN);
    if (!shown.length) box.innerHTML = '<p class="hint">No mistakes.</p>';
    for (const [index, label, pred] of shown) {
      const { pixels } = await app.call("testImage", { index });
      if (run !== shownRun) return;
      const b = document.createElement("button");
      b.type = "button";
      b.title = `test image ${index}: a ${names[label]} classified as ${names[pred]}`;
      b.setAttribute("aria-label", b.title);
      b.append(imageCanvas(pixels), dataset === "mnist" ? `${label}→${pred}` : `${names[label]}→${names[pred]}`);
      b.addEventListener("click", () => {
        store.update("input", { pixels, source: { kind: "test", index, label } });
        $("draw-panel").scrollIntoView({ behavior: "smooth", block: "nearest" });
      });
      box.append(b);
    }
  }

  store.subscribe((s, name, m) => {
    if (m.which === "test") show(m.result).catch(() => {});
  }, ["evaluation"]);

  $("evaluate").addEventListener("click", async () => {
    $("test-result").textContent = "Evaluating on t10k…";
    $("evaluate").disabled = true;
    try {
      await app.evaluate("test");
    } catch (e) {
      app.message(`Evaluation failed: ${e.message}`);
    } finally {
      $("evaluate").disabled = false;
    }
  });
  $("auto-test").addEventListener("change", () => app.call("setAutoTest", { on: $("auto-test").checked }));
}
