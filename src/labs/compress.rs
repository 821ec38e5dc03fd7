//! The compression lab: accuracy against bytes for a list of settings, every one measured.
//!
//! - `f32`: the model as trained, 4 bytes per number.
//! - `int8`: [`QuantizedModel`], the tensors the spec calls quantizable in int8, evaluated by the
//!   CPU forward pass on the weights the int8 numbers stand for ([`super::quantized`]).
//! - `prune`: magnitude pruning ([`super::prune`]) of the tensors the spec calls prunable,
//!   evaluated by the float CPU reference; bytes count each of them as CSR or dense f32, whichever
//!   is smaller.
//! - `int8_prune`: prune first, then quantize the pruned weights (zeros stay exactly zero), run
//!   on the int8 path; bytes: int8 CSR (1-byte values) or dense int8, plus the scales.
use super::int8::QuantizedModel;
use super::prune::{
    best_storage, f32_bytes_masked, prunable_mask, prune_masked, sparsity_masked, PruneScope,
    Storage,
};
use crate::backend::softmax_rows;
use crate::cpu::Model;
use crate::data::mnist::Mnist;
use crate::error::{Error, Result};
use crate::spec::{ModelSpec, CLASSES};
use crate::tensor::Param;
use crate::trainer::argmax;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Setting {
    F32,
    Int8,
    Prune { sparsity: f32 },
    Int8Prune { sparsity: f32 },
}

impl Setting {
    pub fn label(&self) -> String {
        match self {
            Setting::F32 => "f32".into(),
            Setting::Int8 => "int8".into(),
            Setting::Prune { sparsity } => format!("prune {:.0}%", sparsity * 100.0),
            Setting::Int8Prune { sparsity } => format!("int8 + prune {:.0}%", sparsity * 100.0),
        }
    }

    /// f32, int8, then each sparsity pruned, then each pruned and quantized.
    pub fn standard_list(sparsities: &[f32]) -> Vec<Setting> {
        let mut list = vec![Setting::F32, Setting::Int8];
        list.extend(
            sparsities
                .iter()
                .map(|&sparsity| Setting::Prune { sparsity }),
        );
        list.extend(
            sparsities
                .iter()
                .map(|&sparsity| Setting::Int8Prune { sparsity }),
        );
        list
    }
}

/// One row of the accuracy-vs-bytes table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompressionResult {
    pub label: String,
    pub setting: Setting,
    /// Bytes of the stored numbers under this setting (see the module docs for the rules).
    pub bytes: usize,
    /// The same model's bytes as plain f32.
    pub f32_bytes: usize,
    /// `f32_bytes / bytes`.
    pub ratio: f64,
    /// Measured fraction of zero weights (biases excluded).
    pub sparsity: f64,
    /// How the weight tensors ended up stored, in state_dict order.
    pub storage: Vec<Storage>,
    pub n: usize,
    pub accuracy: f32,
    pub loss: f32,
}

/// Logits of the float CPU reference for `n` images.
pub fn float_logits(spec: &ModelSpec, params: &[Param], images: &[f32]) -> Result<Vec<f32>> {
    Model::new(spec, params)?.logits(images)
}

/// Mean cross-entropy and accuracy of `logits` against `labels`.
pub fn score(mut logits: Vec<f32>, labels: &[u8]) -> (f32, f32) {
    softmax_rows(&mut logits);
    let (mut loss, mut correct) = (0.0f64, 0usize);
    for (row, &label) in logits.chunks(CLASSES).zip(labels) {
        loss -= (row[label as usize].max(1e-12) as f64).ln();
        correct += (argmax(row) == label as usize) as usize;
    }
    let n = labels.len().max(1) as f64;
    ((loss / n) as f32, (correct as f64 / n) as f32)
}

/// Bytes of an int8 model whose weights may hold zeros: each weight tensor dense int8 or int8
/// CSR, whichever is smaller, plus 4 bytes per channel scale and per f32 bias.
pub fn int8_model_bytes(q: &QuantizedModel) -> (usize, Vec<Storage>) {
    let mut bytes = q.biases.iter().map(|b| 4 * b.tensor.len()).sum::<usize>();
    let mut storage = Vec::new();
    for w in &q.weights {
        let nz = w.q.iter().filter(|v| **v != 0).count();
        let (kind, b) = best_storage(&w.shape, nz, 1);
        storage.push(kind);
        bytes += b + 4 * w.scales.len();
    }
    (bytes, storage)
}

/// How each prunable tensor of a (possibly pruned) f32 model ends up stored.
fn f32_storage(params: &[Param], prunable: &[bool]) -> Vec<Storage> {
    params
        .iter()
        .zip(prunable)
        .filter(|(_, &prunable)| prunable)
        .map(|(p, _)| {
            best_storage(
                &p.tensor.shape,
                p.tensor.data.iter().filter(|v| **v != 0.0).count(),
                4,
            )
            .0
        })
        .collect()
}

/// Evaluate one setting on the first `limit` samples of `test`.
pub fn evaluate_setting(
    spec: &ModelSpec,
    params: &[Param],
    setting: Setting,
    scope: PruneScope,
    test: &Mnist,
    limit: usize,
) -> Result<CompressionResult> {
    let params = crate::cpu::model::order_params(spec, params)?;
    let n = test.len().min(limit);
    if n == 0 {
        return Err(Error::Config("no test samples to evaluate on".into()));
    }
    let images = test.pixels_f32(0, n);
    let labels = &test.labels[..n];
    let prunable = prunable_mask(spec, &params)?;
    let f32_bytes = 4 * params.iter().map(|p| p.tensor.len()).sum::<usize>();
    let pruned = match setting {
        Setting::Prune { sparsity } | Setting::Int8Prune { sparsity } => {
            prune_masked(&params, &prunable, sparsity, scope)?
        }
        Setting::F32 | Setting::Int8 => params.clone(),
    };
    let (zeros, total) = sparsity_masked(&pruned, &prunable);
    let (logits, bytes, storage) = match setting {
        Setting::F32 => (
            float_logits(spec, &pruned, &images)?,
            f32_bytes,
            vec![Storage::Dense; prunable.iter().filter(|&&p| p).count()],
        ),
        Setting::Prune { .. } => (
            float_logits(spec, &pruned, &images)?,
            f32_bytes_masked(&pruned, &prunable),
            f32_storage(&pruned, &prunable),
        ),
        Setting::Int8 | Setting::Int8Prune { .. } => {
            let q = QuantizedModel::quantize(spec, &pruned)?;
            let (bytes, storage) = match setting {
                Setting::Int8 => (q.bytes(), vec![Storage::Dense; q.weights.len()]),
                _ => int8_model_bytes(&q),
            };
            (q.logits(&images)?, bytes, storage)
        }
    };
    let (loss, accuracy) = score(logits, labels);
    Ok(CompressionResult {
        label: setting.label(),
        setting,
        bytes,
        f32_bytes,
        ratio: f32_bytes as f64 / bytes as f64,
        sparsity: zeros as f64 / total.max(1) as f64,
        storage,
        n,
        accuracy,
        loss,
    })
}

/// [`evaluate_setting`] for each setting in order.
pub fn evaluate_settings(
    spec: &ModelSpec,
    params: &[Param],
    settings: &[Setting],
    scope: PruneScope,
    test: &Mnist,
    limit: usize,
) -> Result<Vec<CompressionResult>> {
    settings
        .iter()
        .map(|&s| evaluate_setting(spec, params, s, scope, test, limit))
        .collect()
}
