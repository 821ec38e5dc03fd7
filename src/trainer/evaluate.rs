//! What the trainer answers about its model without training it: evaluation over a data set
//! (loss, accuracy, confusion matrix, mistakes), one image's probabilities and activations, and
//! the per-layer gradient-flow stats.
use super::Trainer;
use crate::backend::{softmax_rows, Backend, LayerStats};
use crate::data::check_image;
use crate::data::mnist::Mnist;
use crate::error::Result;
use crate::spec::CLASSES;
use crate::tensor::Tensor;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub n: usize,
    pub loss: f32,
    pub accuracy: f32,
    /// `confusion[true * 10 + predicted]`.
    pub confusion: Vec<u32>,
    /// Indices (into the evaluated set) of wrongly classified samples, with label and prediction.
    pub mistakes: Vec<[u32; 3]>,
}

impl Trainer {
    /// Logits -> loss, accuracy, confusion matrix over `data` (first `limit` samples), in chunks.
    pub async fn evaluate(&mut self, data: &Mnist, limit: usize) -> Result<Evaluation> {
        let n = data.len().min(limit);
        let mut confusion = vec![0u32; CLASSES * CLASSES];
        let mut mistakes = Vec::new();
        let mut loss_sum = 0.0f64;
        let mut correct = 0usize;
        const CHUNK: usize = 500;
        for start in (0..n).step_by(CHUNK) {
            let end = (start + CHUNK).min(n);
            let mut probs = self.engine.logits(&data.pixels_f32(start, end)).await?;
            softmax_rows(&mut probs);
            for (i, row) in probs.chunks(CLASSES).enumerate() {
                let label = data.labels[start + i] as usize;
                let pred = argmax(row);
                loss_sum -= (row[label].max(1e-12) as f64).ln();
                confusion[label * CLASSES + pred] += 1;
                if pred == label {
                    correct += 1;
                } else if mistakes.len() < 200 {
                    mistakes.push([(start + i) as u32, label as u32, pred as u32]);
                }
            }
        }
        Ok(Evaluation {
            n,
            loss: (loss_sum / n.max(1) as f64) as f32,
            accuracy: correct as f32 / n.max(1) as f32,
            confusion,
            mistakes,
        })
    }

    /// Class probabilities for one 784-pixel image in [0, 1].
    pub async fn predict(&mut self, image: &[f32]) -> Result<Vec<f32>> {
        check_image(image)?;
        let mut probs = self.engine.logits(image).await?;
        softmax_rows(&mut probs);
        Ok(probs)
    }

    /// Every layer's output for one 784-pixel image, in layer order.
    pub async fn activations(&mut self, image: &[f32]) -> Result<Vec<Tensor>> {
        check_image(image)?;
        self.engine.activations(image).await
    }

    pub async fn layer_stats(&mut self) -> Result<Vec<LayerStats>> {
        self.engine.layer_stats().await
    }
}

pub fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold(0, |best, (i, v)| if *v > row[best] { i } else { best })
}
