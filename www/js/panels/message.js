// The message banner (#message): renders the store's `message`; its close button clears it.
const $ = (id) => document.getElementById(id);

export function mountMessage(store) {
  const box = $("message");
  $("message-close").addEventListener("click", () => store.update("message", null));
  store.subscribe((s) => {
    if (!s.message) {
      box.hidden = true;
      return;
    }
    $("message-text").textContent = s.message.text;
    box.className = s.message.kind === "error" ? "" : "info";
    box.hidden = false;
  }, ["message", "engineFailed", "status", "fault"]);
}
