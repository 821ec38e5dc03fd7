// The engine worker's side of the predictor (www/workers/predictor.js): the page gives both
// workers one end of a MessageChannel, and the engine sends its weights straight down it as a
// transferred Float32Array (the flat `paramsFlat` layout, the spec only when it changed), so the
// drawing pad is answered from a copy that never queues behind a training step and nothing
// passes through the page.
//
// The last weights sent are also kept here (`kept`: a copy, with the session step they are from):
// when the GPU is lost its buffers cannot be read, and this is the newest CPU copy there is
// (Engine.fault). One copy a second costs a memcpy of the weights, well under a training step.
//
// `version` counts weight changes. Every event the engine posts carries it, and the predictor
// tells the page which version it holds, so the page knows whether the copy is current.
import { connect, transfer } from "../js/rpc.js";

// While training, a copy this old is fine; any other change is sent at once.
const SEND_EVERY_MS = 1000;

export class PredictorFeed {
  constructor() {
    this.version = 0;
    this.client = null;
    this.read = null;
    this.sending = false;
    this.again = false;
    this.lastSent = -Infinity;
    this.sentSpec = null;
    this.broken = null;
    this.kept = null; // {spec, step, weights}: the last weights sent
    this.viewing = false; // the predictor shows a past step's weights (showView) until endView
    this.inflight = Promise.resolve(); // the send on its way, if any
  }

  /**
   * Show a past step's weights (a snapshot's `paramsFlat`) in the predictor, so the pad, the
   * explanations and the activations it computes follow the scrubbed step; live sends pause until
   * `endView`. Resolves once the predictor holds them, with the version they count as.
   */
  async showView(weights) {
    this.viewing = true;
    try {
      await this.inflight;
      if (!this.client || this.broken) throw new Error("the predictor is not running, so past steps cannot be shown");
      this.version += 1;
      const version = this.version;
      await this.client.call("setWeights", transfer({ version, weights }, [weights.buffer]));
      return version;
    } catch (e) {
      this.endView(); // live weights again: a failed view must not stop the live updates
      throw e;
    }
  }

  /** Back to the live weights (sent at once). */
  endView() {
    if (!this.viewing) return;
    this.viewing = false;
    this.changed(true);
  }

  /** `port`: the engine's end of the channel; `read()` resolves to `{spec, step, weights}`. */
  attach(port, read) {
    if (!port) return;
    this.client = connect(port, { name: "predictor" });
    this.read = read;
  }

  /** The weights changed. `now`: send them at once; otherwise at most every SEND_EVERY_MS. */
  changed(now) {
    this.version += 1;
    if (now || performance.now() - this.lastSent > SEND_EVERY_MS) this.send(now);
  }

  /** `now`: a change that must reach the predictor, even if a send is already on its way. */
  async send(now = false) {
    if (!this.client || this.broken || this.viewing) return;
    if (this.sending) {
      // A change while training waits for the next cycle; one that must arrive follows this send.
      if (now) this.again = true;
      return;
    }
    this.sending = true;
    let done;
    this.inflight = new Promise((resolve) => (done = resolve));
    this.lastSent = performance.now();
    const version = this.version;
    let read = null;
    try {
      read = await this.read();
    } catch {
      // No session to read (a rebuild failed mid-way): the next change sends.
    }
    try {
      if (read && !this.viewing) {
        this.kept = { spec: read.spec, step: read.step, weights: read.weights.slice() };
        const specJson = JSON.stringify(read.spec);
        const spec = specJson === this.sentSpec ? undefined : read.spec;
        await this.client.call("setWeights", transfer({ version, spec, weights: read.weights }, [read.weights.buffer]));
        this.sentSpec = specJson;
      }
    } catch (e) {
      // A predictor that cannot follow is retired (it has told the page): the engine answers.
      this.broken = e;
    } finally {
      this.sending = false;
      done();
    }
    if (this.again) {
      this.again = false;
      if (this.version !== version) this.send(true);
    }
  }
}
