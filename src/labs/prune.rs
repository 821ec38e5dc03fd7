//! Magnitude pruning: zero the weights with the smallest `|w|` in the tensors the spec's layers
//! call prunable ([`crate::spec::ParamFact::prunable`]: dense and conv weights, never biases).
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
use crate::spec::ModelSpec;
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

/// Which of `params` (in any order) pruning may touch, from `spec`'s facts.
pub fn prunable_mask(spec: &ModelSpec, params: &[Param]) -> Result<Vec<bool>> {
    let facts = spec.param_facts()?;
    params
        .iter()
        .map(|p| {
            facts
                .iter()
                .find(|f| f.name == p.name)
                .map(|f| f.fact.prunable)
                .ok_or_else(|| {
                    Error::Shape(format!("parameter '{}' is not part of this model", p.name))
                })
        })
        .collect()
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

/// A copy of `params` (checked against `spec`) with `sparsity` (in [0, 1]) of its prunable
/// values set to zero by magnitude.
pub fn prune_model(
    spec: &ModelSpec,
    params: &[Param],
    sparsity: f32,
    scope: PruneScope,
) -> Result<Vec<Param>> {
    prune_masked(params, &prunable_mask(spec, params)?, sparsity, scope)
}

/// A copy of `params` with `sparsity` (in [0, 1]) of the values of the tensors where `prunable`
/// is set zeroed by magnitude.
pub fn prune_masked(
    params: &[Param],
    prunable: &[bool],
    sparsity: f32,
    scope: PruneScope,
) -> Result<Vec<Param>> {
    if !(0.0..=1.0).contains(&sparsity) {
        return Err(Error::Config(format!(
            "sparsity {sparsity} must be in [0, 1]"
        )));
    }
    if prunable.len() != params.len() {
        return Err(Error::Config(format!(
            "{} prunable flags for {} tensors",
            prunable.len(),
            params.len()
        )));
    }
    let total: usize = params
        .iter()
        .zip(prunable)
        .filter(|(_, &m)| m)
        .map(|(p, _)| p.tensor.len())
        .sum();
    if total > u32::MAX as usize {
        return Err(Error::Config("too many weights to prune".into()));
    }
    let mut out = params.to_vec();
    let mut weights: Vec<&mut [f32]> = out
        .iter_mut()
        .zip(prunable)
        .filter(|(_, &m)| m)
        .map(|(p, _)| &mut p.tensor.data[..])
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

/// Zeros and total count over the tensors where `prunable` is set.
pub fn sparsity_masked(params: &[Param], prunable: &[bool]) -> (usize, usize) {
    params
        .iter()
        .zip(prunable)
        .filter(|(_, &m)| m)
        .fold((0, 0), |(z, n), (p, _)| {
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

/// Bytes of a (possibly pruned) f32 model: each tensor where `prunable` is set dense or CSR,
/// whichever is smaller; every other tensor dense f32.
pub fn f32_bytes_masked(params: &[Param], prunable: &[bool]) -> usize {
    params
        .iter()
        .zip(prunable)
        .map(|(p, &m)| {
            if m {
                let nz = p.tensor.data.iter().filter(|v| **v != 0.0).count();
                best_storage(&p.tensor.shape, nz, 4).1
            } else {
                4 * p.tensor.len()
            }
        })
        .sum()
}
