//! Which samples make up each batch: seeded shuffles per epoch, or file order for comparisons.
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Yields batches of sample indices over `n` samples, epoch after epoch. Only full batches are used,
/// so every step has the same batch size (buffers are sized once).
#[derive(Clone, Debug)]
pub struct BatchPlan {
    order: Vec<u32>,
    batch: usize,
    cursor: usize,
    pub epoch: usize,
    shuffle: bool,
    rng: ChaCha8Rng,
}

impl BatchPlan {
    pub fn new(n: usize, batch: usize, shuffle: bool, seed: u64) -> Self {
        assert!(batch > 0 && batch <= n, "batch {batch} must be in 1..={n}");
        let mut plan = Self {
            order: (0..n as u32).collect(),
            batch,
            cursor: 0,
            epoch: 0,
            shuffle,
            rng: ChaCha8Rng::seed_from_u64(seed),
        };
        plan.reshuffle();
        plan
    }

    /// Samples per batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.order.len() / self.batch
    }

    /// The next batch's indices; rolls over into a new (reshuffled) epoch when this one is used up.
    pub fn next_batch(&mut self) -> &[u32] {
        if self.cursor + self.batch > self.order.len() {
            self.cursor = 0;
            self.epoch += 1;
            self.reshuffle();
        }
        let start = self.cursor;
        self.cursor += self.batch;
        &self.order[start..start + self.batch]
    }

    fn reshuffle(&mut self) {
        if !self.shuffle {
            return;
        }
        // Fisher-Yates.
        for i in (1..self.order.len()).rev() {
            let j = (self.rng.next_u64() % (i as u64 + 1)) as usize;
            self.order.swap(i, j);
        }
    }
}
