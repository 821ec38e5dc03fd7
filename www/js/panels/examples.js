// "Teach it": label the current drawing (buttons 0-9, or keys 0-9 while the pad has focus), the
// gallery of your examples (delete one, clear all), the share of each batch drawn from them,
// export and import as an IDX gzip pair, and a line that says where they are kept. The list and
// its storage are www/js/examples.js's; this only shows and asks.
import { Examples } from "../examples.js";
import { download } from "../download.js";
import { classNames } from "../classes.js";
import { rovingGroup } from "../roving.js";

const $ = (id) => document.getElementById(id);
const errorText = (e) => (e && e.message ? e.message : String(e));

function thumbnail(pixels) {
  const c = document.createElement("canvas");
  c.width = 28;
  c.height = 28;
  c.className = "pixelated";
  const ctx = c.getContext("2d");
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) img.data.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
  ctx.putImageData(img, 0, 0);
  return c;
}

export function mountExamples(store, app) {
  const examples = new Examples(store, app);
  const status = $("examples-status");
  const fail = (e) => app.message(`Examples: ${errorText(e)}`);

  const names = () => classNames(store.state.data.dataset);
  const label = async (d) => {
    try {
      const n = await examples.add(d);
      status.textContent = `Added a ${names()[d]}: ${n} example${n === 1 ? "" : "s"}.`;
    } catch (e) {
      fail(e);
    }
  };
  for (let d = 0; d < 10; d++) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = String(d);
    b.setAttribute("aria-label", `this drawing is a ${d}`);
    b.addEventListener("click", () => label(d));
    $("teach-buttons").append(b);
  }
  rovingGroup($("teach-buttons"))();
  $("draw").addEventListener("keydown", (e) => {
    if (e.key.length === 1 && e.key >= "0" && e.key <= "9" && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      label(Number(e.key));
    }
  });

  const share = $("own-share");
  const showShare = (v) => ($("own-share-value").textContent = `${Math.round(100 * v)}%`);
  share.addEventListener("change", async () => {
    try {
      await app.configure({ ownShare: Number(share.value) });
    } catch (e) {
      fail(e);
    }
  });
  share.addEventListener("input", () => showShare(Number(share.value)));

  $("examples-clear").addEventListener("click", () => examples.clear().catch(fail));
  $("examples-export").addEventListener("click", async () => {
    try {
      const { images, labels } = await examples.exportIdx();
      download(new Blob([images]), "my-examples-images-idx3-ubyte.gz");
      download(new Blob([labels]), "my-examples-labels-idx1-ubyte.gz");
    } catch (e) {
      fail(e);
    }
  });
  $("examples-import").addEventListener("change", async (ev) => {
    const files = [...ev.target.files];
    ev.target.value = "";
    try {
      const images = files.find((f) => /images|idx3/.test(f.name));
      const labels = files.find((f) => /labels|idx1/.test(f.name));
      if (files.length !== 2 || !images || !labels) throw new Error("choose two files: the images (idx3) and the labels (idx1)");
      const bytes = async (f) => new Uint8Array(await f.arrayBuffer());
      const n = await examples.importIdx(await bytes(images), await bytes(labels));
      status.textContent = `Imported: ${n} examples.`;
    } catch (e) {
      fail(e);
    }
  });

  const resetGallery = rovingGroup($("gallery"));
  const render = () => {
    const gallery = $("gallery");
    const list = examples.current();
    const n = names();
    [...$("teach-buttons").children].forEach((b, d) => {
      b.textContent = n[d];
      b.setAttribute("aria-label", `this drawing is a ${n[d]}`);
    });
    gallery.replaceChildren(
      ...list.map((x) => {
        const fig = document.createElement("figure");
        const cap = document.createElement("figcaption");
        cap.textContent = n[x.label];
        const del = document.createElement("button");
        del.type = "button";
        del.textContent = "✕";
        del.setAttribute("aria-label", `delete this example of ${n[x.label]}`);
        del.addEventListener("click", () => examples.remove(x.id).catch(fail));
        fig.append(thumbnail(x.pixels), cap, del);
        return fig;
      }),
    );
    resetGallery();
    $("examples-count").textContent = `${list.length} example${list.length === 1 ? "" : "s"}`;
    $("examples-where").textContent = examples.storageError
      ? `kept in memory only (${examples.storageError})`
      : "kept in this browser";
  };
  examples.onChange = render;
  // Another dataset: its own examples go to the engine (a digit is no garment).
  let dataset = store.state.data.dataset;
  store.subscribe((s) => {
    if (s.data.dataset === dataset) return;
    dataset = s.data.dataset;
    examples.sync().catch(fail);
  }, ["started", "settings"]);
  store.subscribe((s) => {
    if (s.ownShare !== null && document.activeElement !== share) {
      share.value = String(s.ownShare);
      showShare(s.ownShare);
    }
  }, ["started", "settings"]);
  render();
  return examples;
}
