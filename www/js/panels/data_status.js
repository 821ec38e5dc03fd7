// The training data line under the model line: the full training set streaming in (a progress
// bar and the megabytes so far), then how many digits an epoch covers. Renders from the store.
const $ = (id) => document.getElementById(id);
const mb = (bytes) => (bytes / 1e6).toFixed(1);

export function dataStatusText(d, info) {
  if (d.error) return `Full training set not loaded (${d.error}); training on the first slice.`;
  if (d.done) return `Full training set loaded: ${info?.trainSize?.toLocaleString("en") ?? "?"} training digits.`;
  if (d.total) return `Loading the full training set in the background: ${mb(d.loaded)} of ${mb(d.total)} MB; training uses the first slice meanwhile.`;
  return "Loading the full training set in the background; training uses the first slice meanwhile.";
}

export function mountDataStatus(store) {
  const bar = $("data-progress");
  const text = $("data-text");
  const render = (s) => {
    const d = s.data;
    text.textContent = dataStatusText(d, s.info);
    bar.hidden = d.done || !!d.error;
    if (d.total) bar.value = d.loaded / d.total;
    else bar.removeAttribute("value");
  };
  store.subscribe((s, name) => {
    if (name === "data" || name === "status" || name === "started") render(s);
  });
  render(store.state);
}
