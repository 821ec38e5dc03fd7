// The worker protocol (www/js/rpc.js) in Node: calls and replies, errors as Errors with the
// worker's message, pushed events, transferred buffers, serial calls, and a worker that dies
// mid-call (its caller gets an error, never a hang).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { connect, serve, transfer } from "../../www/js/rpc.js";

/** A connected pair over a MessageChannel: the client and the serving side's emitter. */
function pair(ops, opts = {}) {
  const { port1, port2 } = new MessageChannel();
  const events = [];
  const server = serve(ops, { port: port2, ...opts });
  const client = connect(port1, { onEvent: (m) => events.push(m), name: "test worker" });
  const close = () => { port1.close(); port2.close(); };
  return { client, server, events, close };
}

test("a call resolves to the op's result; args arrive intact", async () => {
  const { client, close } = pair({ add: ({ a, b }) => a + b, echo: async (x) => x });
  try {
    assert.equal(await client.call("add", { a: 2, b: 3 }), 5);
    assert.deepEqual(await client.call("echo", { list: [1, 2], s: "x" }), { list: [1, 2], s: "x" });
    assert.equal(client.pending, 0);
  } finally { close(); }
});

test("a throwing op rejects with an Error carrying the worker's message", async () => {
  const { client, close } = pair({ bad: () => { throw new Error("learning rate 50 is not in (0, 10]"); } });
  try {
    await assert.rejects(client.call("bad"), (e) => e instanceof Error && e.message === "learning rate 50 is not in (0, 10]");
    await assert.rejects(client.call("nope"), /unknown operation 'nope'/);
    await assert.rejects(client.call("toString"), /unknown operation 'toString'/);
  } finally { close(); }
});

test("events reach onEvent without a call", async () => {
  const { client, server, events, close } = pair({ ping: () => "pong" });
  try {
    server.emit("metrics", { step: 7, loss: 0.5 });
    assert.equal(await client.call("ping"), "pong"); // the event was posted before the reply
    assert.deepEqual(events, [{ event: "metrics", step: 7, loss: 0.5 }]);
  } finally { close(); }
});

test("buffers are transferred both ways", async () => {
  const { client, close } = pair({
    double: ({ xs }) => {
      for (let i = 0; i < xs.length; i++) xs[i] *= 2;
      return transfer({ xs }, [xs.buffer]);
    },
  });
  try {
    const xs = new Float32Array([1, 2, 3]);
    const reply = await client.call("double", transfer({ xs }, [xs.buffer]));
    assert.equal(xs.length, 0, "the sender's array was detached (moved, not copied)");
    assert.deepEqual([...reply.xs], [2, 4, 6]);
  } finally { close(); }
});

test("calls run one at a time in arrival order unless serial is off", async () => {
  const log = [];
  const slow = (tag, ms) => async () => { log.push(`${tag}+`); await new Promise((r) => setTimeout(r, ms)); log.push(`${tag}-`); return tag; };
  const { client, close } = pair({ a: slow("a", 30), b: slow("b", 1) });
  try {
    assert.deepEqual(await Promise.all([client.call("a"), client.call("b")]), ["a", "b"]);
    assert.deepEqual(log, ["a+", "a-", "b+", "b-"]);
  } finally { close(); }
  log.length = 0;
  const loose = pair({ a: slow("a", 30), b: slow("b", 1) }, { serial: false });
  try {
    await Promise.all([loose.client.call("a"), loose.client.call("b")]);
    assert.deepEqual(log, ["a+", "b+", "b-", "a-"]);
  } finally { loose.close(); }
});

test("an error event rejects the calls in flight and every later call", async () => {
  const target = new EventTarget();
  target.postMessage = () => {}; // a worker that never answers
  const client = connect(target, { name: "engine worker" });
  const inFlight = client.call("train", { steps: 10 });
  const err = new Event("error");
  err.message = "RuntimeError: unreachable";
  target.dispatchEvent(err);
  await assert.rejects(inFlight, /the engine worker stopped: RuntimeError: unreachable/);
  await assert.rejects(client.call("state"), /the engine worker stopped/);
  assert.equal(client.pending, 0);
});

test("a real worker thread that dies mid-call gives an error, not a hang", async () => {
  const src = `
    const { parentPort } = require("node:worker_threads");
    parentPort.on("message", (m) => {
      if (m.op === "ok") parentPort.postMessage({ id: m.id, ok: true, result: "fine" });
      if (m.op === "die") setTimeout(() => process.exit(3), 20);
    });`;
  const w = new Worker(src, { eval: true });
  // A browser Worker is an EventTarget; Node's is an EventEmitter: map its events the same way.
  const target = {
    postMessage: (m, t) => w.postMessage(m, t),
    addEventListener(type, fn) {
      if (type === "message") w.on("message", (data) => fn({ data }));
      if (type === "error") {
        w.on("error", (e) => fn({ message: e.message }));
        w.on("exit", (code) => fn({ message: `exited with code ${code}` }));
      }
    },
  };
  const client = connect(target, { name: "helper" });
  assert.equal(await client.call("ok"), "fine");
  const started = Date.now();
  await assert.rejects(client.call("die"), /the helper stopped: exited with code 3/);
  assert.ok(Date.now() - started < 5000);
  await assert.rejects(client.call("ok"), /the helper stopped/);
});

test("close() rejects what is in flight with the reason given", async () => {
  const target = new EventTarget();
  target.postMessage = () => {};
  const client = connect(target, { name: "predictor" });
  const p = client.call("predict");
  client.close("terminated for a new model");
  await assert.rejects(p, /the predictor stopped: terminated for a new model/);
});

test("an unclonable argument rejects the call instead of throwing", async () => {
  const { client, close } = pair({ x: () => 1 });
  try {
    await assert.rejects(client.call("x", { f: () => 1 }), /could not be sent 'x'/);
    assert.equal(client.pending, 0);
  } finally { close(); }
});
