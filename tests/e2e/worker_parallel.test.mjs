// The two-worker bookkeeping of www/workers/parallel.js, in Node (no browser): where the batch is
// cut (Balance) and which count 'auto' trains with (WorkerChoice), on simulated timings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Balance, WorkerChoice } from "../../www/workers/parallel.js";

/** Timings of a split step: this worker `a` ms a sample; the helper `c` ms fixed + `b` a sample. */
function simulate(balance, { a, b, c }, steps) {
  for (let i = 0; i < steps; i++) {
    const own = a * balance.split;
    const theirs = c + b * (balance.batch - balance.split);
    balance.record(own, theirs - own);
  }
  return balance.split;
}

test("the cut settles where both parts end together", () => {
  // Equal speeds, 0.5 ms of messages: this worker should take about 0.5/(2*0.02) = 12 more.
  const even = new Balance(128);
  const cut = simulate(even, { a: 0.02, b: 0.02, c: 0.5 }, 60);
  assert.ok(Math.abs(cut - 76.5) <= 1, `cut at ${cut}`);
  // Settled: it stays put (each new cut costs a workspace on both sides).
  for (let i = 0; i < 20; i++) assert.equal(simulate(even, { a: 0.02, b: 0.02, c: 0.5 }, 1), cut);
  // A helper twice as slow per sample gets about a third of the batch.
  const slow = simulate(new Balance(96), { a: 0.01, b: 0.02, c: 0 }, 80);
  assert.ok(Math.abs(slow - 64) <= 1, `cut at ${slow}`);
  // A helper that is far faster leaves this worker a sample or two, never zero.
  const fast = simulate(new Balance(8), { a: 1, b: 0.001, c: 0 }, 40);
  assert.ok(fast >= 1 && fast <= 2, `cut at ${fast}`);
  // And a very slow one leaves it one sample too.
  const stuck = simulate(new Balance(8), { a: 0.001, b: 5, c: 0 }, 40);
  assert.equal(stuck, 7);
});

test("'auto' trains with the faster count and keeps timing the other", () => {
  const run = (msPerStep, cycles) => {
    const choice = new WorkerChoice();
    const used = [];
    for (let i = 0; i < cycles; i++) {
      const count = choice.next();
      used.push(count);
      choice.record(count, msPerStep[count], count !== choice.best());
    }
    return { choice, used };
  };
  const twoFaster = run({ 1: 10, 2: 6 }, 100);
  assert.equal(twoFaster.used[0], 2, "two run first");
  assert.equal(twoFaster.choice.best(), 2);
  assert.ok(twoFaster.used.filter((c) => c === 1).length <= 12, "one is only rechecked");
  assert.ok(twoFaster.used.slice(50).includes(1), "and still rechecked later");

  const oneFaster = run({ 1: 5, 2: 8 }, 100);
  assert.equal(oneFaster.choice.best(), 1);
  assert.ok(oneFaster.used.slice(20).filter((c) => c === 1).length > 70, "one trains most cycles");

  // The load changes: two get faster later, and 'auto' follows at the next recheck.
  const choice = new WorkerChoice();
  const speed = { 1: 5, 2: 8 };
  for (let i = 0; i < 40; i++) {
    const count = choice.next();
    choice.record(count, speed[count], count !== choice.best());
  }
  assert.equal(choice.best(), 1);
  speed[2] = 3;
  for (let i = 0; i < 40; i++) {
    const count = choice.next();
    choice.record(count, speed[count], count !== choice.best());
  }
  assert.equal(choice.best(), 2);
});
