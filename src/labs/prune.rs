//! Magnitude pruning: zero the weights with the smallest `|w|` (biases are never pruned).
//!
//! Exactness: with `n` weights in scope, exactly `k = round(sparsity * n)` of them are set to
//! zero: the `k` smallest by the key `(|w|, position)`, where position counts through the
//! weight tensors in state_dict order. The key is unique, so ties in `|w|` go to the earlier
//! weight and the result is the same on every run and every machine. (A model that already holds
//! more than `k` exact zeros keeps them, so it ends up sparser; trained float weights have none.)
//!
//! Storage: a pruned weight tensor `[rows, cols...]` is counted as CSR over its rows: per
//! non-zero one value (4 bytes f32, or 1 byte int8) and one column index (u16 when a row has at
//! most 65,536 columns, else u32), plus `rows + 1` u32 row pointers. When that is not smaller
//! than the dense tensor (low sparsity), the dense bytes are counted instead: a real file would
//! store it dense.
use crate::error::{Error, Result};
use crate::tensor::Param;
use serde::{Deserialize, Serialize};

/// Over which weights the sparsity is reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PruneScope {
    /// One threshold over all weight tensors together: small layers whose weights are large keep
    /// more of them. The asked fraction holds for the model as a whole.
    #[default]
    Global,
    /// The asked fraction in every weight tensor separately (each rounded to whole weights).
    PerTensor,
}

impl PruneScope {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "global" => Ok(Self::Global),
            "per_tensor" | "per-tensor" => Ok(Self::PerTensor),
            other => Err(Error::Config(format!(
                "unknown prune scope '{other}' (global or per_tensor)"
            ))),
        }
    }
}

pub fn is_weight(p: &Param) -> bool {
    p.name.ends_with(".weight")
}

/// Zeroes exactly `round(sparsity * len)` of the values across `tensors` (see the module doc).
fn zero_smallest(tensors: &mut [&mut [f32]], sparsity: f32) {
    let total: usize = tensors.iter().map(|t| t.len()).sum();
    let k = (sparsity as f64 * total as f64).round() as usize;
    if k == 0 {
        return;
    }
    // |w| as bits orders like |w| for finite non-negative floats; the low half is the position.
    let mut keys: Vec<u64> = Vec::with_capacity(total);
    for t in tensors.iter() {
        for &w in t.iter() {
            keys.push(((w.abs().to_bits() as u64) << 32) | keys.len() as u64);
        }
    }
    if k < total {
        keys.select_nth_unstable(k - 1);
    }
    let mut zero = vec![false; total];
    for key in &keys[..k] {
        zero[(key & 0xffff_ffff) as usize] = true;
    }
    let mut flags = zero.iter();
    for t in tensors.iter_mut() {
        for w in t.iter_mut() {
            if *flags.next().expect("one flag per weight") {
                *w = 0.0;
            }
        }
    }
}

/// A copy of `params` with `sparsity` (in [0, 1]) of the weights set to zero by magnitude.
pub fn prune_magnitude(params: &[Param], sparsity: f32, scope: PruneScope) -> Result<Vec<Param>> {
    if !(0.0..=1.0).contains(&sparsity) {
        return Err(Error::Config(format!(
            "sparsity {sparsity} must be in [0, 1]"
        )));
    }
    let total: usize = params
        .iter()
        .filter(|p| is_weight(p))
        .map(|p| p.tensor.len())
        .sum();
    if total > u32::MAX as usize {
        return Err(Error::Config("too many weights to prune".into()));
    }
    let mut out = params.to_vec();
    let mut weights: Vec<&mut [f32]> = out
        .iter_mut()
        .filter(|p| is_weight(p))
        .map(|p| &mut p.tensor.data[..])
        .collect();
    match scope {
        PruneScope::Global => zero_smallest(&mut weights, sparsity),
        PruneScope::PerTensor => {
            for w in weights {
                zero_smallest(&mut [w], sparsity);
            }
        }
    }
    Ok(out)
}

/// Zeros and total count over the weight tensors (biases excluded).
pub fn weight_sparsity(params: &[Param]) -> (usize, usize) {
    params
        .iter()
        .filter(|p| is_weight(p))
        .fold((0, 0), |(z, n), p| {
            (
                z + p.tensor.data.iter().filter(|v| **v == 0.0).count(),
                n + p.tensor.len(),
            )
        })
}

/// Bytes of one weight tensor stored as CSR (see the module doc), given its shape and non-zeros,
/// with `value_bytes` per stored value (4 for f32, 1 for int8).
pub fn csr_bytes(shape: &[usize], nonzeros: usize, value_bytes: usize) -> usize {
    let rows = shape[0];
    let cols: usize = shape[1..].iter().product();
    let index_bytes = if cols <= 1 << 16 { 2 } else { 4 };
    nonzeros * (value_bytes + index_bytes) + 4 * (rows + 1)
}

/// How a tensor ends up stored, and its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    Dense,
    Csr,
}

/// The smaller of dense and CSR storage for a weight tensor of `shape` with `nonzeros`.
pub fn best_storage(shape: &[usize], nonzeros: usize, value_bytes: usize) -> (Storage, usize) {
    let dense = value_bytes * shape.iter().product::<usize>();
    let csr = csr_bytes(shape, nonzeros, value_bytes);
    if csr < dense {
        (Storage::Csr, csr)
    } else {
        (Storage::Dense, dense)
    }
}

/// Bytes of a (possibly pruned) f32 model: each weight tensor dense or CSR, whichever is
/// smaller; biases dense f32.
pub fn f32_model_bytes(params: &[Param]) -> usize {
    params
        .iter()
        .map(|p| {
            if is_weight(p) {
                let nz = p.tensor.data.iter().filter(|v| **v != 0.0).count();
                best_storage(&p.tensor.shape, nz, 4).1
            } else {
                4 * p.tensor.len()
            }
        })
        .sum()
}
