// A row of buttons as one Tab stop (the ARIA "roving tabindex" pattern): Tab reaches the current
// button, the arrow keys (and Home/End) move along the row. Keeps long rows, like the test strip
// and the teach buttons, from flooding the keyboard's path through the page.
export function rovingGroup(container) {
  const buttons = () => [...container.querySelectorAll("button")];
  const focusAt = (i) => {
    const all = buttons();
    if (!all.length) return;
    const k = (i + all.length) % all.length;
    all.forEach((b, j) => (b.tabIndex = j === k ? 0 : -1));
    all[k].focus();
  };
  container.addEventListener("keydown", (e) => {
    const all = buttons();
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: all.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    focusAt(to);
  });
  /** Call after the buttons change: the first one is the Tab stop. */
  return function reset() {
    buttons().forEach((b, j) => (b.tabIndex = j === 0 ? 0 : -1));
  };
}
