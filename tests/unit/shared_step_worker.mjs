// A stand-in helper for shared_step.test.mjs: serves part requests from a SharedStep with a
// made-up "gradient" that depends on everything a request carries (weights, plan, part), so the
// test can tell whether each arrived whole. Messages: {fault: text} fails the next part, {hang:
// true} makes the next part never end; each is acknowledged with "ok".
import { parentPort, workerData } from "node:worker_threads";
import { SharedStep } from "../../www/workers/shared_step.js";

const { buffer, batch, n } = workerData;
const shared = new SharedStep(buffer, batch, n);
let fault = null;
let hang = false;
parentPort.on("message", (m) => {
  if (m.fault) fault = m.fault;
  if (m.hang) hang = true;
  parentPort.postMessage("ok");
});

shared.serve(
  async ({ plan, start, end }) => {
    if (fault) {
      const text = fault;
      fault = null;
      throw new Error(text);
    }
    if (hang) await new Promise(() => {});
    let indexSum = 0;
    for (let i = start; i < end; i++) indexSum += plan.indices[i];
    let transformSum = 0;
    for (const t of plan.transforms) transformSum += t;
    for (let i = 0; i < n; i++) shared.grads[i] = 2 * shared.params[i] + indexSum;
    return { lossSum: transformSum + plan.seed, correct: plan.indices.length, samples: end - start };
  },
  () => true,
);
