// The labs page's pure modules in Node: the sweep plan (sizes typed in the form, the engine's
// config, parameter counts, the fitted curve) and the compression settings (values, labels, the
// accuracy-vs-bytes frontier).
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeRun, parameterCount, parseSizes, powerLawCurve, sweepConfig } from "../../www/labs/sweep_plan.js";
import { frontierSteps, parseSetting, settingLabel } from "../../www/labs/compress_settings.js";

test("sizes: commas, spaces or semicolons; bad entries are named", () => {
  assert.deepEqual(parseSizes("8, 16;32  64", "mlp"), [8, 16, 32, 64]);
  assert.deepEqual(parseSizes("0.1, 1", "data"), [0.1, 1]);
  assert.throws(() => parseSizes("8, abc", "mlp"), /'abc' is not a whole width between 1 and 4096/);
  assert.throws(() => parseSizes("8.5", "cnn"), /'8.5' is not a whole width/);
  assert.throws(() => parseSizes("0, 0.5", "data"), /'0' is not a fraction in \(0, 1\]/);
  assert.throws(() => parseSizes("1.5", "data"), /'1.5' is not a fraction/);
  assert.throws(() => parseSizes(" , ", "mlp"), /give at least one size/);
});

test("the sweep config the engine takes", () => {
  const form = { axis: "cnn", sizes: "2, 4", steps: "20", backend: "cpu", batch: "64", evalLimit: "300" };
  assert.deepEqual(sweepConfig(form), {
    axis: "cnn",
    sizes: [2, 4],
    config: { axis: "width", family: "cnn", backend: "cpu", steps: 20, batch: 64, eval_limit: 300, widths: [2, 4] },
  });
  const data = sweepConfig({ ...form, axis: "data", sizes: "0.5, 1" }).config;
  assert.equal(data.axis, "data");
  assert.equal(data.family, "mlp");
  assert.deepEqual(data.fractions, [0.5, 1]);
  assert.equal(data.widths, undefined);
  assert.throws(() => sweepConfig({ ...form, steps: "0" }), /steps per run must be a whole number/);
  assert.throws(() => sweepConfig({ ...form, steps: "2.5" }), /steps per run/);
});

test("parameter counts match the models the engine builds", () => {
  // MLP 784-w-10: 784w + w + 10w + 10.
  for (const w of [8, 16, 32]) assert.equal(parameterCount("mlp", w), 784 * w + w + 10 * w + 10);
  // CNN: conv(1->w, 3x3), conv(w->2w, 3x3), dense(2w*5*5 -> 64), dense(64 -> 10), with biases.
  for (const w of [2, 4, 32]) {
    const expected = (9 * w + w) + (9 * w * 2 * w + 2 * w) + (2 * w * 25 * 64 + 64) + (64 * 10 + 10);
    assert.equal(parameterCount("cnn", w), expected, `cnn w=${w}`);
  }
  assert.equal(describeRun("mlp", 32), "MLP, width 32 (25,450 parameters)");
  assert.equal(describeRun("data", 0.05), "5% of the training images");
});

test("the fitted curve spans the runs and follows the law", () => {
  const fit = { a: 10, alpha: 0.5, c: 0.1 };
  const line = powerLawCurve(fit, [100, 1000, 10000], 40);
  assert.equal(line.length, 41);
  assert.ok(line[0][0] < 100 && line[40][0] > 10000);
  for (const [x, y] of line) assert.ok(Math.abs(y - (10 / Math.sqrt(x) + 0.1)) < 1e-12);
});

test("compression settings: values, labels, frontier", () => {
  assert.deepEqual(parseSetting("int8"), { kind: "int8" });
  assert.deepEqual(parseSetting("prune:0.9"), { kind: "prune", sparsity: 0.9 });
  assert.deepEqual(parseSetting("int8_prune:0.75"), { kind: "int8_prune", sparsity: 0.75 });
  assert.deepEqual(
    ["f32", "int8", "prune:0.5", "int8_prune:0.9"].map(settingLabel),
    ["f32", "int8", "prune 50%", "int8 + prune 90%"],
  );
  const rows = [
    { bytes: 400, accuracy: 0.99 },
    { bytes: 100, accuracy: 0.98 },
    { bytes: 50, accuracy: 0.7 },
    { bytes: 200, accuracy: 0.97 }, // below the frontier: no step
  ];
  assert.deepEqual(frontierSteps(rows), [[50, 0.7], [100, 0.7], [100, 0.98], [400, 0.98], [400, 0.99]]);
  assert.deepEqual(frontierSteps([]), []);
});
