// The class names of each dataset (www/workers/data.js): what the probability bars, the
// confusion matrix, the pad's answer and the examples' gallery call a label.
const DIGITS = Object.freeze(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
// Fashion-MNIST's labels (www/data/fashion/README.md).
const FASHION = Object.freeze(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);

export const CLASS_NAMES = Object.freeze({ mnist: DIGITS, fashion: FASHION });

/** The ten class names of `dataset` (MNIST's digits for an unknown one). */
export function classNames(dataset) {
  return CLASS_NAMES[dataset] ?? DIGITS;
}
