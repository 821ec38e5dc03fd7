//! Which model a `.safetensors` file is for. Our own files say so in their metadata; a bare
//! PyTorch state dict (`safetensors.torch.save_file(model.state_dict(), path)` writes none) is
//! taken for the current model when its names and shapes are exactly that model's, else for the
//! `nn.Sequential` inferred from its tensors (see `infer.rs`). When neither fits, the error lists
//! what the file holds against what the current model expects, so the user can see the mismatch.
use super::{bad, from_safetensors, infer_spec, params_from_safetensors, SPEC_KEY};
use crate::error::Result;
use crate::spec::ModelSpec;
use crate::tensor::Param;
use safetensors::tensor::SafeTensors;

/// Where the spec of a loaded file came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The file's `gradient_garden.spec` metadata.
    Metadata,
    /// No metadata; the tensors are exactly the current model's.
    Current,
    /// No metadata; inferred from the tensors, with these assumptions.
    Inferred(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct Resolved {
    pub spec: ModelSpec,
    pub params: Vec<Param>,
    pub source: Source,
}

impl Resolved {
    /// One sentence for the user: how the architecture was found.
    pub fn note(&self) -> String {
        match &self.source {
            Source::Metadata => "the file's own model spec".into(),
            Source::Current => "no metadata; the tensors match the current model".into(),
            Source::Inferred(assumptions) => format!(
                "no metadata; the architecture was inferred from the tensors, assuming: {}",
                assumptions.join("; ")
            ),
        }
    }
}

/// The spec and parameters of `bytes`; `current`: the model running now, if any.
pub fn resolve(bytes: &[u8], current: Option<&ModelSpec>) -> Result<Resolved> {
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(bad)?;
    if metadata
        .metadata()
        .as_ref()
        .is_some_and(|m| m.contains_key(SPEC_KEY))
    {
        let (spec, params) = from_safetensors(bytes)?;
        return Ok(Resolved {
            spec,
            params,
            source: Source::Metadata,
        });
    }
    let held = file_tensors(bytes)?;
    let expected = match current {
        Some(spec) => Some(sorted(spec.param_shapes()?)),
        None => None,
    };
    if let (Some(spec), Some(expected)) = (current, &expected) {
        if &held == expected {
            let params = params_from_safetensors(bytes, spec)?;
            return Ok(Resolved {
                spec: spec.clone(),
                params,
                source: Source::Current,
            });
        }
    }
    match infer_spec(&held) {
        Ok(found) => {
            let params = params_from_safetensors(bytes, &found.spec)?;
            Ok(Resolved {
                spec: found.spec,
                params,
                source: Source::Inferred(found.assumptions),
            })
        }
        Err(why) => {
            let mut msg = format!(
                "no '{SPEC_KEY}' metadata, and no model could be inferred from the tensors ({why}). The file holds: {}",
                list(&held)
            );
            if let Some(expected) = &expected {
                msg.push_str(&format!("; the current model expects: {}", list(expected)));
            }
            Err(bad(msg))
        }
    }
}

/// Names and shapes of the file's tensors, in state_dict order.
fn file_tensors(bytes: &[u8]) -> Result<Vec<(String, Vec<usize>)>> {
    let file = SafeTensors::deserialize(bytes).map_err(bad)?;
    Ok(sorted(
        file.tensors()
            .into_iter()
            .map(|(n, v)| (n, v.shape().to_vec()))
            .collect(),
    ))
}

/// By Sequential index, then name (`0.bias` before `0.weight`: the order is only for comparing
/// and for the message).
fn sorted(mut tensors: Vec<(String, Vec<usize>)>) -> Vec<(String, Vec<usize>)> {
    let index = |n: &str| {
        n.split('.')
            .next()
            .and_then(|i| i.parse::<usize>().ok())
            .unwrap_or(usize::MAX)
    };
    tensors.sort_by(|a, b| (index(&a.0), &a.0).cmp(&(index(&b.0), &b.0)));
    tensors
}

fn list(tensors: &[(String, Vec<usize>)]) -> String {
    tensors
        .iter()
        .map(|(n, s)| format!("{n} {s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
