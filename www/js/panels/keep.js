// Keep & share: Save model (.safetensors download), Export ONNX, Load model…, Copy link; and the URL hash,
// which always shows the settings in use (written after every change the engine reports) and,
// edited by hand, configures the page.
import * as Config from "../config.js";
import { download } from "../download.js";

const $ = (id) => document.getElementById(id);
const SETTINGS_UPDATES = ["started", "settings", "rebuilt", "loaded"];

export function mountKeep(store, app) {
  let lastHash = "";
  function writeHash() {
    const s = store.state;
    if (!s.ready) return;
    lastHash = Config.toHash(s.config, { pretrained: s.pretrained, race: s.raceSetup, dataset: s.data.dataset });
    if (location.hash !== lastHash) history.replaceState(null, "", lastHash);
  }
  store.subscribe(writeHash, [...SETTINGS_UPDATES, "raceSetup"]);
  store.subscribe((s) => {
    $("save-model").disabled = !!s.busy;
    $("export-onnx").disabled = !!s.busy;
  }, ["busy", "building"]);

  $("save-model").addEventListener("click", async () => {
    try {
      const bytes = await app.exportModel();
      const { config, step } = store.state;
      const name = typeof config.model === "string" ? config.model : "custom";
      download(new Blob([bytes], { type: "application/octet-stream" }), `gradient-garden-${name}-step${step}.safetensors`);
    } catch (e) {
      app.message(`Saving failed: ${e.message}`);
    }
  });

  $("export-onnx").addEventListener("click", async () => {
    try {
      const bytes = await app.exportOnnx();
      const { config, step } = store.state;
      const name = typeof config.model === "string" ? config.model : "custom";
      download(new Blob([bytes], { type: "application/octet-stream" }), `gradient-garden-${name}-step${step}.onnx`);
    } catch (e) {
      app.message(`ONNX export failed: ${e.message}`);
    }
  });

  $("load-model").addEventListener("change", async () => {
    const file = $("load-model").files[0];
    if (!file) return;
    try {
      await app.loadModel(new Uint8Array(await file.arrayBuffer()));
    } catch {
      /* the App has shown why */
    }
    $("load-model").value = "";
  });

  $("copy-link").addEventListener("click", async () => {
    writeHash();
    try {
      await navigator.clipboard.writeText(location.href);
      app.message("Link copied.", "info");
    } catch {
      app.message(`Copy this link: ${location.href}`, "info");
    }
  });

  window.addEventListener("hashchange", () => {
    if (location.hash === lastHash) return;
    const parsed = Config.fromHash(location.hash);
    if (parsed.error) {
      app.message(parsed.error);
      writeHash();
      return;
    }
    app.configure({ ...parsed.config, dataset: parsed.dataset }).catch(() => {});
  });
}
