//! Growing a training set without reshuffling what was trained on: the page starts on a first
//! slice (train10k, a shuffled subset of the 60,000) and later trains on the whole file. The
//! whole set is put in an order that starts with the slice, sample for sample, so the grown set
//! extends the first one: indices keep meaning the same image, and the validation tail of the
//! grown set (taken from its end) holds only images that were never in the slice.
use super::mnist::Mnist;
use crate::error::{Error, Result};
use crate::spec::IMAGE_PIXELS;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

fn key(images: &[u8], labels: &[u8], i: usize) -> u64 {
    let mut h = DefaultHasher::new();
    images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS].hash(&mut h);
    labels[i].hash(&mut h);
    h.finish()
}

impl Mnist {
    /// `self` (the whole set) reordered so that it begins with `prefix`, each of whose samples
    /// (image and label) must occur in `self`; the rest follow in file order. An error names the
    /// first sample of `prefix` that is missing.
    pub fn starting_with(&self, prefix: &Mnist) -> Result<Mnist> {
        let mut by_key: HashMap<u64, Vec<usize>> = HashMap::with_capacity(self.len());
        for i in (0..self.len()).rev() {
            by_key
                .entry(key(&self.images, &self.labels, i))
                .or_default()
                .push(i);
        }
        let mut used = vec![false; self.len()];
        let mut order = Vec::with_capacity(self.len());
        for p in 0..prefix.len() {
            let candidates = by_key
                .get_mut(&key(&prefix.images, &prefix.labels, p))
                .ok_or_else(|| missing(p))?;
            // Exact duplicates are taken once each, in file order (the list is reversed).
            let pos = candidates
                .iter()
                .rposition(|&i| {
                    image(self, i) == image(prefix, p) && self.labels[i] == prefix.labels[p]
                })
                .ok_or_else(|| missing(p))?;
            let i = candidates.remove(pos);
            used[i] = true;
            order.push(i);
        }
        order.extend((0..self.len()).filter(|&i| !used[i]));
        let mut images = Vec::with_capacity(self.images.len());
        for &i in &order {
            images.extend_from_slice(image(self, i));
        }
        let labels = order.iter().map(|&i| self.labels[i]).collect();
        Ok(Mnist { images, labels })
    }
}

fn image(m: &Mnist, i: usize) -> &[u8] {
    &m.images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS]
}

fn missing(p: usize) -> Error {
    Error::Data(format!(
        "sample {p} of the first slice is not in the full training set"
    ))
}
