// Compression settings as the page names them, with no DOM: the checkbox/select values
// ("f32", "int8", "prune:0.9", "int8_prune:0.75") as the engine's settings and as labels, and the
// accuracy-vs-bytes frontier. Unit-tested in Node (tests/unit/labs_settings.test.mjs).

/** "prune:0.9" -> {kind: "prune", sparsity: 0.9}; "int8" -> {kind: "int8"}. */
export function parseSetting(value) {
  const [kind, s] = value.split(":");
  return s === undefined ? { kind } : { kind, sparsity: Number(s) };
}

/** The short label of a setting value: "f32", "int8", "prune 90%", "int8 + prune 75%". */
export function settingLabel(value) {
  const s = parseSetting(value);
  if (s.kind === "f32" || s.kind === "int8") return s.kind;
  const pct = `${Math.round(s.sparsity * 100)}%`;
  return s.kind === "prune" ? `prune ${pct}` : `int8 + prune ${pct}`;
}

/**
 * The frontier of measured rows `{bytes, accuracy}` as a step line `[[bytes, accuracy]]`: the
 * best accuracy measured at or below each size.
 */
export function frontierSteps(rows) {
  const frontier = [];
  for (const r of [...rows].sort((a, b) => a.bytes - b.bytes)) {
    if (!frontier.length || r.accuracy > frontier[frontier.length - 1][1]) frontier.push([r.bytes, r.accuracy]);
  }
  return frontier.flatMap(([x, y], i) => (i ? [[x, frontier[i - 1][1]], [x, y]] : [[x, y]]));
}
