//! Weights files in the safetensors format, laid out exactly like a PyTorch `nn.Sequential`
//! state_dict: tensors `"{i}.weight"` / `"{i}.bias"` in PyTorch layouts, dtype F32 little-endian,
//! metadata `"format": "pt"` and `"gradient_garden.spec"` (the model spec as JSON), so
//! `safetensors.torch.load_file` + `model.load_state_dict` work on the Python side.
//!
//! Reading never panics: every problem with the bytes is an [`Error::Weights`].
use crate::error::{Error, Result};
use crate::spec::ModelSpec;
use crate::tensor::{Param, Tensor};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;

/// The metadata key holding the model spec JSON.
pub const SPEC_KEY: &str = "gradient_garden.spec";

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::Weights(msg.to_string())
}

/// Serialises the parameters (checked against the spec) with the spec in the metadata.
pub fn to_safetensors(spec: &ModelSpec, params: &[Param]) -> Result<Vec<u8>> {
    let expected = spec.param_shapes()?;
    let mut bytes: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::with_capacity(expected.len());
    for (name, shape) in &expected {
        let p = params
            .iter()
            .find(|p| &p.name == name)
            .ok_or_else(|| bad(format!("parameter '{name}' is missing")))?;
        if &p.tensor.shape != shape || p.tensor.data.len() != shape.iter().product::<usize>() {
            return Err(bad(format!(
                "parameter '{name}' has shape {:?} ({} values), the spec needs {shape:?}",
                p.tensor.shape,
                p.tensor.data.len()
            )));
        }
        if p.tensor.data.iter().any(|v| !v.is_finite()) {
            return Err(bad(format!("parameter '{name}' holds a non-finite value")));
        }
        let data = p.tensor.data.iter().flat_map(|v| v.to_le_bytes()).collect();
        bytes.push((name.clone(), shape.clone(), data));
    }
    if params.len() != expected.len() {
        return Err(bad(format!(
            "{} parameters given, the spec has {}",
            params.len(),
            expected.len()
        )));
    }
    let views = bytes
        .iter()
        .map(|(name, shape, data)| {
            TensorView::new(Dtype::F32, shape.clone(), data)
                .map(|v| (name.as_str(), v))
                .map_err(bad)
        })
        .collect::<Result<Vec<_>>>()?;
    let metadata = HashMap::from([
        ("format".to_string(), "pt".to_string()),
        (SPEC_KEY.to_string(), spec.to_json()),
    ]);
    safetensors::serialize(views, Some(metadata)).map_err(bad)
}

/// Reads a file written by [`to_safetensors`]: the spec comes from the metadata.
pub fn from_safetensors(bytes: &[u8]) -> Result<(ModelSpec, Vec<Param>)> {
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(bad)?;
    let json = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get(SPEC_KEY))
        .ok_or_else(|| {
            bad(format!(
                "no '{SPEC_KEY}' metadata: load it with a model spec instead"
            ))
        })?;
    let spec = ModelSpec::from_json(json).map_err(|e| bad(format!("embedded spec: {e}")))?;
    let params = params_from_safetensors(bytes, &spec)?;
    Ok((spec, params))
}

/// Reads the parameters of `spec` from any safetensors file holding exactly its tensors as F32
/// (e.g. one saved from PyTorch with `safetensors.torch.save_file(model.state_dict(), ...)`).
pub fn params_from_safetensors(bytes: &[u8], spec: &ModelSpec) -> Result<Vec<Param>> {
    let file = SafeTensors::deserialize(bytes).map_err(bad)?;
    let expected = spec.param_shapes()?;
    let mut params = Vec::with_capacity(expected.len());
    for (name, shape) in &expected {
        let view = file
            .tensor(name)
            .map_err(|_| bad(format!("tensor '{name}' {shape:?} is missing")))?;
        if view.dtype() != Dtype::F32 {
            return Err(bad(format!(
                "tensor '{name}' is {:?}, expected F32",
                view.dtype()
            )));
        }
        if view.shape() != shape.as_slice() {
            return Err(bad(format!(
                "tensor '{name}' has shape {:?}, the model needs {shape:?}",
                view.shape()
            )));
        }
        let data: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if data.len() != shape.iter().product::<usize>() {
            return Err(bad(format!("tensor '{name}' has the wrong byte length")));
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!(
                "tensor '{name}' holds a non-finite value ({}) at {i}",
                data[i]
            )));
        }
        params.push(Param {
            name: name.clone(),
            tensor: Tensor::new(shape.clone(), data).map_err(bad)?,
        });
    }
    if file.len() != expected.len() {
        let extra: Vec<&str> = file
            .names()
            .into_iter()
            .filter(|n| !expected.iter().any(|(e, _)| e == n))
            .collect();
        return Err(bad(format!(
            "the file has tensors this model does not: {extra:?}"
        )));
    }
    Ok(params)
}

mod infer;
mod resolve;

pub use infer::{infer_spec, Inferred};
pub use resolve::{resolve, Resolved, Source};
