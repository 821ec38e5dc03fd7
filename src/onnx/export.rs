//! A model as an ONNX graph: input `input` float `[N, ...spec.input]` (pixels in [0, 1], as the
//! playground's models take them), output `logits` `[N, 10]`, one node per layer op, the weights
//! as initializers under their PyTorch state_dict names, and the spec JSON in the model metadata
//! (`gradient_garden.spec`), so the file can be traced back to the playground model.
//!
//! Each node is read off the layer's facts in `spec::layer` (kind, kernel, padding, pool size);
//! nothing here matches tensor names.
use super::proto::*;
use crate::error::{Error, Result};
use crate::spec::{LayerSpec, ModelSpec, CLASSES};
use crate::tensor::Param;
use crate::weights::SPEC_KEY;

/// Opset 13: every op we use (Gemm, Conv, MaxPool, Flatten, Relu, Sigmoid, Tanh, Identity) is in
/// it, and ONNX Runtime, tract and Netron all read it.
pub const OPSET: i64 = 13;
/// The IR version that opset 13 belongs to.
const IR_VERSION: i64 = 7;
pub const PRODUCER: &str = "gradient-garden";

fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: Some(ATTR_INT),
        i: Some(value),
        ints: vec![],
    }
}

fn ints(name: &str, values: &[usize]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: Some(ATTR_INTS),
        i: None,
        ints: values.iter().map(|&v| v as i64).collect(),
    }
}

fn tensor_info(name: &str, dims: &[Option<usize>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(v) => DimensionValue::DimValue(*v as i64),
                None => DimensionValue::DimParam("N".into()),
            }),
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: Some(FLOAT),
                shape: Some(TensorShapeProto { dim }),
            }),
        }),
    }
}

/// The ONNX model (encoded bytes) computing `spec` with `params` at inference (dropout off).
pub fn to_onnx(spec: &ModelSpec, params: &[Param]) -> Result<Vec<u8>> {
    let facts = spec.param_facts()?;
    let mut initializer = Vec::with_capacity(facts.len());
    for fact in &facts {
        let p = params
            .iter()
            .find(|p| p.name == fact.name)
            .ok_or_else(|| Error::Weights(format!("parameter '{}' is missing", fact.name)))?;
        if p.tensor.shape != fact.fact.shape {
            return Err(Error::Weights(format!(
                "parameter '{}' has shape {:?}, the spec needs {:?}",
                fact.name, p.tensor.shape, fact.fact.shape
            )));
        }
        initializer.push(TensorProto {
            dims: p.tensor.shape.iter().map(|&d| d as i64).collect(),
            data_type: Some(FLOAT),
            name: p.name.clone(),
            raw_data: p.tensor.data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
    }
    let shapes = spec.shapes()?;
    let last = spec.layers.len() - 1;
    let mut nodes = Vec::with_capacity(spec.layers.len());
    let mut x = "input".to_string();
    for (i, layer) in spec.layers.iter().enumerate() {
        let out = if i == last {
            "logits".to_string()
        } else {
            format!("x{i}")
        };
        let weights = facts
            .iter()
            .filter(|f| f.layer == i)
            .map(|f| f.name.clone());
        let inputs: Vec<String> = std::iter::once(x.clone()).chain(weights).collect();
        let (op, attribute) = match *layer {
            // y = x W^T + b, with W as PyTorch stores it ([out, in]).
            LayerSpec::Dense { .. } => ("Gemm", vec![int("transB", 1)]),
            LayerSpec::Conv2d {
                kernel, padding, ..
            } => {
                let pad = LayerSpec::conv_pad(kernel, padding);
                (
                    "Conv",
                    vec![
                        ints("kernel_shape", &[kernel, kernel]),
                        ints("pads", &[pad; 4]),
                        ints("strides", &[1, 1]),
                    ],
                )
            }
            // Stride = size and floor rounding, like ours and PyTorch's MaxPool2d(size).
            LayerSpec::MaxPool2d { size } => (
                "MaxPool",
                vec![
                    ints("kernel_shape", &[size, size]),
                    ints("strides", &[size, size]),
                ],
            ),
            // [N, C, H, W] -> [N, C*H*W] row-major: c, h, w with w fastest, as our Flatten.
            LayerSpec::Flatten => ("Flatten", vec![int("axis", 1)]),
            // Identity at inference, which is all an exported model does.
            LayerSpec::Dropout { .. } => ("Identity", vec![]),
            LayerSpec::Relu => ("Relu", vec![]),
            LayerSpec::Sigmoid => ("Sigmoid", vec![]),
            LayerSpec::Tanh => ("Tanh", vec![]),
        };
        nodes.push(NodeProto {
            input: inputs,
            output: vec![out.clone()],
            name: format!("{i}_{}", layer.kind_name()),
            op_type: op.into(),
            attribute,
        });
        x = out;
    }
    debug_assert_eq!(shapes[last], [CLASSES]);
    let input_dims: Vec<Option<usize>> = std::iter::once(None)
        .chain(spec.input.iter().map(|&d| Some(d)))
        .collect();
    let model = ModelProto {
        ir_version: IR_VERSION,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }],
        producer_name: PRODUCER.into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string:
            "Gradient Garden model: input pixels/255 in [0, 1], output the ten digit logits".into(),
        graph: Some(GraphProto {
            node: nodes,
            name: "gradient_garden".into(),
            initializer,
            input: vec![tensor_info("input", &input_dims)],
            output: vec![tensor_info("logits", &[None, Some(CLASSES)])],
        }),
        metadata_props: vec![StringStringEntryProto {
            key: SPEC_KEY.into(),
            value: spec.to_json(),
        }],
    };
    Ok(encode(&model))
}
