// The engine's feed to the predictor (www/workers/predictor_feed.js), in Node over a
// MessageChannel: weights travel as a transferred Float32Array, the spec only when it changed;
// while training a change waits (at most one send a second), a change that must arrive follows a
// send in flight; a predictor that refuses is retired, not retried.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PredictorFeed } from "../../www/workers/predictor_feed.js";
import { serve } from "../../www/js/rpc.js";

function setup({ refuse = false, slowMs = 0 } = {}) {
  const { port1, port2 } = new MessageChannel();
  const got = [];
  serve(
    {
      async setWeights(args) {
        if (slowMs) await new Promise((r) => setTimeout(r, slowMs));
        if (refuse) throw new Error("no such layer");
        got.push(args);
        return args.version;
      },
    },
    { port: port2 },
  );
  let spec = { layers: ["mlp"] };
  const feed = new PredictorFeed();
  feed.attach(port1, async () => ({ spec, weights: new Float32Array([feed.version]) }));
  const close = () => {
    port1.close();
    port2.close();
  };
  return { feed, got, close, setSpec: (s) => (spec = s) };
}

async function until(cond) {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), "timed out");
}

test("the first weights carry the spec; later ones only when it changed", async () => {
  const { feed, got, close, setSpec } = setup();
  try {
    feed.changed(true);
    await until(() => got.length === 1 && !feed.sending);
    assert.deepEqual(got[0].spec, { layers: ["mlp"] });
    assert.ok(got[0].weights instanceof Float32Array);
    assert.equal(got[0].version, 1);
    feed.changed(true);
    await until(() => got.length === 2 && !feed.sending);
    assert.equal(got[1].spec, undefined);
    setSpec({ layers: ["cnn"] });
    feed.changed(true);
    await until(() => got.length === 3);
    assert.deepEqual(got[2].spec, { layers: ["cnn"] });
  } finally {
    close();
  }
});

test("while training, changes within a second wait; a change that must arrive follows a send in flight", async () => {
  const { feed, got, close } = setup({ slowMs: 50 });
  try {
    feed.changed(true); // sent
    for (let i = 0; i < 5; i++) feed.changed(false); // training cycles: within the second, held
    await until(() => got.length === 1 && !feed.sending);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 1, "held back while training");
    feed.changed(true); // pause: sent at once
    feed.changed(true); // and a change during that send follows it
    await until(() => got.length === 3);
    assert.equal(got[2].version, feed.version, "the newest weights arrive last");
  } finally {
    close();
  }
});

test("a predictor that refuses the weights is retired", async () => {
  const { feed, got, close } = setup({ refuse: true });
  try {
    feed.changed(true);
    await until(() => feed.broken);
    assert.match(feed.broken.message, /no such layer/);
    feed.changed(true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got.length, 0);
    assert.equal(feed.sending, false, "nothing more is sent");
  } finally {
    close();
  }
});
