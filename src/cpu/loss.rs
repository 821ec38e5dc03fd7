//! Losses over `[batch, classes]` outputs (10 for MNIST, 2-4 on the plane), each fused with its
//! gradient and an accuracy count. The class count is the row length: `outputs / batch`.

/// The loss of a batch (mean over the batch) and how many rows' argmax equals the label.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossResult {
    pub loss: f32,
    pub correct: u32,
}

/// Index of the largest value; ties go to the first (like `torch.argmax` on CPU).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// PyTorch `CrossEntropyLoss()` on logits: `loss = mean_b (logsumexp(z_b) - z_b[label_b])`,
/// and `dlogits = (softmax(z) - onehot(label)) / batch` (overwrites `dlogits`).
pub fn softmax_cross_entropy(dlogits: &mut [f32], logits: &[f32], labels: &[u8]) -> LossResult {
    let batch = labels.len();
    let classes = logits.len() / batch.max(1);
    let mut total = 0.0f64;
    let mut correct = 0;
    for ((z, d), &label) in logits
        .chunks_exact(classes)
        .zip(dlogits.chunks_exact_mut(classes))
        .zip(labels)
    {
        let label = label as usize;
        if argmax(z) == label {
            correct += 1;
        }
        // Subtract the max so exp never overflows. Each exp once, kept in `d` until the sum is
        // known: in wasm `exp` is a libm call (~35 ns), and computing it twice per logit was
        // most of the loss's time.
        let max = z.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        for (e, &v) in d.iter_mut().zip(z) {
            *e = (v - max).exp();
        }
        let sum: f32 = d.iter().sum();
        total += (sum.ln() + max - z[label]) as f64;
        for (i, g) in d.iter_mut().enumerate() {
            let p = *g / sum;
            let target = if i == label { 1.0 } else { 0.0 };
            *g = (p - target) / batch as f32;
        }
    }
    LossResult {
        loss: (total / batch as f64) as f32,
        correct,
    }
}

/// PyTorch `MSELoss()` ('mean' over all `batch * 10` elements) between the raw outputs and one-hot
/// targets: `loss = mean (y - t)^2`, `dy = 2 (y - t) / (batch * 10)` (overwrites `dy`).
pub fn mse_one_hot(dy: &mut [f32], y: &[f32], labels: &[u8]) -> LossResult {
    let classes = y.len() / labels.len().max(1);
    let n = y.len() as f32;
    let mut total = 0.0f64;
    let mut correct = 0;
    for ((row, d), &label) in y
        .chunks_exact(classes)
        .zip(dy.chunks_exact_mut(classes))
        .zip(labels)
    {
        let label = label as usize;
        if argmax(row) == label {
            correct += 1;
        }
        for (i, (g, &v)) in d.iter_mut().zip(row).enumerate() {
            let diff = v - if i == label { 1.0 } else { 0.0 };
            total += (diff * diff) as f64;
            *g = 2.0 * diff / n;
        }
    }
    LossResult {
        loss: (total / n as f64) as f32,
        correct,
    }
}

/// PyTorch `MSELoss()` ('mean' over every output) between the raw outputs and target values:
/// `loss = mean (y - t)^2`, `dy = 2 (y - t) / len` (overwrites `dy`). The plane's regression;
/// `correct` is 0 (a value has no class to be right about).
pub fn mse_values(dy: &mut [f32], y: &[f32], targets: &[f32]) -> LossResult {
    let n = targets.len().max(1) as f32;
    let mut total = 0.0f64;
    for ((d, &y), &t) in dy.iter_mut().zip(y).zip(targets) {
        let diff = y - t;
        total += (diff * diff) as f64;
        *d = 2.0 * diff / n;
    }
    LossResult {
        loss: (total / n as f64) as f32,
        correct: 0,
    }
}
