// The user's own examples in the engine worker: their pixels (bytes) and labels, and the share
// of each batch drawn from them. Every session gets them when it is built (a rebuild keeps
// them), the running one when they change; the second training worker gets them with its model
// (parallel.js), since a planned batch names them by index past the training set.
export const OWN_SHARE_DEFAULT = 0.1;

export class OwnExamples {
  /** `engine`: the Engine (withSession, workers, status). */
  constructor(engine) {
    this.engine = engine;
    this.images = new Uint8Array(0);
    this.labels = new Uint8Array(0);
    this.share = OWN_SHARE_DEFAULT;
    this.version = 0;
  }

  get count() {
    return this.labels.length;
  }

  /** Give `session` the examples and the share (a new session, before it trains). */
  async apply(session) {
    if (this.count) await session.setOwnExamples(this.images, this.labels);
    await session.setOwnShare(this.share);
  }

  /** Replace the examples: `images` 784 bytes each, `labels` 0-9. Throws, keeping the old ones. */
  async set(images, labels) {
    const imgs = new Uint8Array(images);
    const labs = new Uint8Array(labels);
    if (imgs.length !== labs.length * 784) throw new Error(`${imgs.length} image bytes for ${labs.length} labels`);
    const e = this.engine;
    if (e.session) await e.withSession((s) => s.setOwnExamples(imgs, labs));
    this.images = imgs;
    this.labels = labs;
    this.version += 1;
    e.workers.data.own = { images: imgs, labels: labs, version: this.version };
    return this.count;
  }

  /** The share of each batch in [0, 1]; anything else throws. */
  async setShare(share) {
    if (typeof share !== "number" || !(share >= 0 && share <= 1)) {
      throw new Error(`ownShare ${share} is not a number in [0, 1]`);
    }
    const e = this.engine;
    if (e.session) await e.withSession((s) => s.setOwnShare(share));
    this.share = share;
  }
}
