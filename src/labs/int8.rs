//! Post-training int8 quantization of the tensors the spec's layers call quantizable
//! ([`crate::spec::ParamFact::quantizable`]: dense and conv weights): symmetric, one scale per
//! output channel (row 0 of a PyTorch weight: a Linear's output unit, a Conv2d's filter).
//! `scale = max|w_row| / 127`, `q = round(w / scale)` clamped to [-127, 127] (-128 is never
//! used, so the range is symmetric), so `|w - q * scale| <= scale / 2` for every weight. Every other tensor (the biases) stays f32:
//! they are few and they add straight into the accumulator.
//!
//! File format (safetensors): a quantizable tensor `"{i}.weight"` as I8 with the PyTorch shape plus
//! `"{i}.weight.scale"` as F32 `[out]`, every other tensor (`"{i}.bias"`) as F32, the spec in the
//! metadata like any weights file.
use crate::error::{Error, Result};
use crate::spec::ModelSpec;
use crate::tensor::{Param, Tensor};
use crate::weights::SPEC_KEY;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;

/// The metadata key describing the quantization, for anyone reading the file elsewhere.
pub const QUANT_KEY: &str = "gradient_garden.quantization";
const QUANT_NOTE: &str =
    "int8 symmetric per output channel: weight = int8 * scale[out]; biases f32";

/// One weight tensor in int8 with a scale per output channel.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizedTensor {
    pub name: String,
    /// The PyTorch shape: `[out, in]` or `[out, in, k, k]`.
    pub shape: Vec<usize>,
    pub q: Vec<i8>,
    /// `scales[o]` for output channel `o`; 0 for an all-zero row.
    pub scales: Vec<f32>,
}

impl QuantizedTensor {
    pub fn quantize(name: &str, t: &Tensor) -> Self {
        let rows = t.shape[0];
        let cols = t.len() / rows.max(1);
        let mut q = Vec::with_capacity(t.len());
        let mut scales = Vec::with_capacity(rows);
        for row in t.data.chunks(cols.max(1)) {
            let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let scale = max / 127.0;
            scales.push(scale);
            q.extend(row.iter().map(|&w| {
                if scale == 0.0 {
                    0
                } else {
                    (w / scale).round().clamp(-127.0, 127.0) as i8
                }
            }));
        }
        Self {
            name: name.to_string(),
            shape: t.shape.clone(),
            q,
            scales,
        }
    }

    /// Weights per output channel (the length of one row of `q`).
    pub fn row_len(&self) -> usize {
        self.q.len() / self.shape[0].max(1)
    }

    /// `w = q * scale[row]`: the float weights this tensor stands for.
    pub fn dequantize(&self) -> Tensor {
        let cols = self.row_len().max(1);
        let data = self
            .q
            .iter()
            .enumerate()
            .map(|(i, &q)| q as f32 * self.scales[i / cols])
            .collect();
        Tensor {
            shape: self.shape.clone(),
            data,
        }
    }

    /// 1 byte per weight and 4 per channel scale.
    pub fn bytes(&self) -> usize {
        self.q.len() + 4 * self.scales.len()
    }
}

/// A model whose quantizable tensors are int8; everything else as in the float model.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizedModel {
    pub spec: ModelSpec,
    /// The quantizable tensors, in state_dict order.
    pub weights: Vec<QuantizedTensor>,
    /// Every other tensor, kept f32 (the biases), in state_dict order.
    pub biases: Vec<Param>,
}

impl QuantizedModel {
    /// Quantizes the weights of `params` (checked against `spec`).
    pub fn quantize(spec: &ModelSpec, params: &[Param]) -> Result<Self> {
        let params = crate::cpu::model::order_params(spec, params)?;
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for (p, f) in params.into_iter().zip(spec.param_facts()?) {
            if f.fact.quantizable {
                weights.push(QuantizedTensor::quantize(&p.name, &p.tensor));
            } else {
                biases.push(p);
            }
        }
        Ok(Self {
            spec: spec.clone(),
            weights,
            biases,
        })
    }

    /// The float parameters the int8 weights stand for (state_dict order).
    pub fn dequantize(&self) -> Vec<Param> {
        let (mut weights, mut floats) = (self.weights.iter(), self.biases.iter());
        self.spec
            .param_facts()
            .expect("a quantized model's spec was checked when it was made")
            .iter()
            .map(|f| {
                if f.fact.quantizable {
                    let w = weights
                        .next()
                        .expect("one int8 tensor per quantizable fact");
                    Param {
                        name: w.name.clone(),
                        tensor: w.dequantize(),
                    }
                } else {
                    floats
                        .next()
                        .expect("one f32 tensor per other fact")
                        .clone()
                }
            })
            .collect()
    }

    /// Bytes of the stored numbers: 1 per int8 weight, 4 per channel scale, 4 per f32 bias.
    pub fn bytes(&self) -> usize {
        self.weights
            .iter()
            .map(QuantizedTensor::bytes)
            .sum::<usize>()
            + self
                .biases
                .iter()
                .map(|b| 4 * b.tensor.len())
                .sum::<usize>()
    }

    pub fn to_safetensors(&self) -> Result<Vec<u8>> {
        let bad = |e: safetensors::SafeTensorError| Error::Weights(e.to_string());
        let f32_bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let mut owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        for w in &self.weights {
            owned.push((
                w.name.clone(),
                Dtype::I8,
                w.shape.clone(),
                w.q.iter().map(|&q| q as u8).collect(),
            ));
            owned.push((
                format!("{}.scale", w.name),
                Dtype::F32,
                vec![w.scales.len()],
                f32_bytes(&w.scales),
            ));
        }
        for b in &self.biases {
            owned.push((
                b.name.clone(),
                Dtype::F32,
                b.tensor.shape.clone(),
                f32_bytes(&b.tensor.data),
            ));
        }
        let views = owned
            .iter()
            .map(|(name, dtype, shape, data)| {
                TensorView::new(*dtype, shape.clone(), data).map(|v| (name.as_str(), v))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(bad)?;
        let metadata = HashMap::from([
            ("format".to_string(), "pt".to_string()),
            (SPEC_KEY.to_string(), self.spec.to_json()),
            (QUANT_KEY.to_string(), QUANT_NOTE.to_string()),
        ]);
        safetensors::serialize(views, Some(metadata)).map_err(bad)
    }

    /// Reads a file written by [`QuantizedModel::to_safetensors`].
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self> {
        let bad = |m: String| Error::Weights(m);
        let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| bad(e.to_string()))?;
        let json = meta
            .metadata()
            .as_ref()
            .and_then(|m| m.get(SPEC_KEY))
            .ok_or_else(|| bad(format!("no '{SPEC_KEY}' metadata")))?;
        let spec = ModelSpec::from_json(json)?;
        let file = SafeTensors::deserialize(bytes).map_err(|e| bad(e.to_string()))?;
        let read = |name: &str, dtype: Dtype, shape: &[usize]| -> Result<Vec<u8>> {
            let view = file
                .tensor(name)
                .map_err(|_| bad(format!("tensor '{name}' is missing")))?;
            if view.dtype() != dtype || view.shape() != shape {
                return Err(bad(format!(
                    "tensor '{name}' is {:?} {:?}, expected {dtype:?} {shape:?}",
                    view.dtype(),
                    view.shape()
                )));
            }
            Ok(view.data().to_vec())
        };
        let floats = |b: Vec<u8>| -> Vec<f32> {
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        let mut model = Self {
            spec: spec.clone(),
            weights: Vec::new(),
            biases: Vec::new(),
        };
        let facts = spec.param_facts()?;
        for f in &facts {
            let (name, shape) = (&f.name, &f.fact.shape);
            if !f.fact.quantizable {
                let data = floats(read(name, Dtype::F32, shape)?);
                model.biases.push(Param {
                    name: name.clone(),
                    tensor: Tensor::new(shape.clone(), data)?,
                });
                continue;
            }
            let q = read(name, Dtype::I8, shape)?
                .into_iter()
                .map(|b| b as i8)
                .collect();
            let scales = floats(read(&format!("{name}.scale"), Dtype::F32, &shape[..1])?);
            if scales.iter().any(|s| !s.is_finite() || *s < 0.0) {
                return Err(bad(format!(
                    "'{name}.scale' holds a negative or non-finite scale"
                )));
            }
            model.weights.push(QuantizedTensor {
                name: name.clone(),
                shape: shape.clone(),
                q,
                scales,
            });
        }
        // Each int8 tensor comes with its scales.
        let expected = facts.len() + model.weights.len();
        if file.len() != expected {
            return Err(bad(format!(
                "the file has {} tensors, this int8 model has {expected}",
                file.len()
            )));
        }
        Ok(model)
    }
}
