// The engine worker's ops for the user's own examples (served with the others by engine.js).
//   setExamples {images, labels}   replace them (784 bytes and a label 0-9 each) -> count
//   ownCounts                      -> {own, samples}: own examples and all samples put in batches
export function examplesOps(engineOf) {
  return {
    async setExamples({ images, labels }) {
      return await engineOf().own.set(images, labels);
    },
    async ownCounts() {
      return await engineOf().withSession((s) => s.ownCounts());
    },
  };
}
