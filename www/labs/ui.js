// Small DOM helpers shared by the labs' panels: element lookup, the message bar, the
// start/cancel button pair, and table bodies filled from rows of text.

export const $ = (id) => document.getElementById(id);

/** Show `text` in the message bar at the top of the page (an error unless `kind` is "info"). */
export function showMessage(text, kind = "error") {
  const box = $("message");
  box.className = kind === "info" ? "info" : "";
  $("message-text").textContent = text;
  box.hidden = false;
}

/** Disable `startId` and enable `cancelId` (or back); focus follows so a keyboard user is not dropped. */
export function running(startId, cancelId, on) {
  const from = document.activeElement;
  $(startId).disabled = on;
  $(cancelId).disabled = !on;
  if (on && from === $(startId)) $(cancelId).focus();
  if (!on && (from === $(cancelId) || from === document.body)) $(startId).focus();
}

/** Replace the body of `table` with one row per array of cell texts. */
export function fillTable(table, rows) {
  const trs = rows.map((cells) => {
    const tr = document.createElement("tr");
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      tr.append(td);
    }
    return tr;
  });
  table.tBodies[0].replaceChildren(...trs);
}

/** Wire the message bar's close button (once, at start-up). */
export function initMessageBar() {
  $("message-close").addEventListener("click", () => ($("message").hidden = true));
}
