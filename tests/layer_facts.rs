//! The layer facts in `src/spec/layer.rs` are the one source of each fact: the CPU backend, the
//! safetensors export, init, pruning and int8 all agree with them, for every preset and for a spec
//! holding every layer kind.
use gradient_garden::cpu::{CpuBackend, Model};
use gradient_garden::init::init_params;
use gradient_garden::labs::int8::QuantizedModel;
use gradient_garden::labs::prune::{prunable_mask, prune_model, PruneScope};
use gradient_garden::spec::{Activation, Init, LayerSpec, Loss, ModelSpec, Padding};
use gradient_garden::weights::to_safetensors;
use safetensors::tensor::SafeTensors;

/// Every layer kind once at least, both paddings, every activation.
fn every_kind() -> ModelSpec {
    use LayerSpec::*;
    ModelSpec {
        input: vec![1, 28, 28],
        layers: vec![
            Conv2d {
                filters: 4,
                kernel: 3,
                padding: Padding::Same,
            },
            Tanh,
            MaxPool2d { size: 2 },
            Conv2d {
                filters: 6,
                kernel: 5,
                padding: Padding::Valid,
            },
            Relu,
            Flatten,
            Dropout { rate: 0.25 },
            Dense { units: 20 },
            Sigmoid,
            Dense { units: 10 },
        ],
        loss: Loss::Mse,
    }
}

fn specs() -> [ModelSpec; 3] {
    [ModelSpec::mlp(), ModelSpec::cnn(), every_kind()]
}

/// Layers with weights: dense and conv2d (the kinds whose tensors are quantizable and prunable).
fn has_weights(layer: &LayerSpec) -> bool {
    matches!(layer, LayerSpec::Dense { .. } | LayerSpec::Conv2d { .. })
}

#[test]
fn kind_name_is_the_json_type_tag_and_activation_is_set_for_activations_only() {
    let kinds: Vec<&str> = every_kind().layers.iter().map(|l| l.kind_name()).collect();
    let mut distinct = kinds.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 8, "every kind once at least: {kinds:?}");
    for layer in &every_kind().layers {
        let json: serde_json::Value = serde_json::to_value(layer).unwrap();
        assert_eq!(json["type"], layer.kind_name(), "{layer:?}");
        let expected = match layer {
            LayerSpec::Relu => Some(Activation::Relu),
            LayerSpec::Sigmoid => Some(Activation::Sigmoid),
            LayerSpec::Tanh => Some(Activation::Tanh),
            _ => None,
        };
        assert_eq!(layer.activation(), expected, "{layer:?}");
    }
    let spec = every_kind();
    let after: Vec<_> = (0..spec.layers.len())
        .map(|i| spec.activation_after(i))
        .collect();
    assert_eq!(after[0], Some(Activation::Tanh));
    assert_eq!(after[3], Some(Activation::Relu));
    assert_eq!(after[7], Some(Activation::Sigmoid));
    assert_eq!(after[9], None);
}

#[test]
fn facts_name_and_shape_what_init_the_cpu_backend_and_the_export_hold() {
    for spec in specs() {
        let facts = spec.param_facts().unwrap();
        let from_facts: Vec<(String, Vec<usize>)> = facts
            .iter()
            .map(|p| (p.name.clone(), p.fact.shape.clone()))
            .collect();
        assert_eq!(spec.param_shapes().unwrap(), from_facts);
        let params = init_params(&spec, 7).unwrap();
        let named = |ps: &[gradient_garden::tensor::Param]| -> Vec<(String, Vec<usize>)> {
            ps.iter()
                .map(|p| (p.name.clone(), p.tensor.shape.clone()))
                .collect()
        };
        assert_eq!(named(&params), from_facts, "init");
        // The CPU backend takes them in any order and keeps state_dict order.
        let mut reversed = params.clone();
        reversed.reverse();
        let cpu = CpuBackend::new(&spec, &reversed, 4).unwrap();
        assert_eq!(named(cpu.params()), from_facts, "cpu backend");
        // Layer i's tensors follow its first one, in the layer's own order.
        let model = Model::new(&spec, &params).unwrap();
        for (i, layer) in spec.layers.iter().enumerate() {
            let first = model.first_param[i];
            assert_eq!(first.is_some(), has_weights(layer), "layer {i}");
            if let Some(w) = first {
                assert_eq!(facts[w].layer, i);
                assert_eq!(facts[w + 1].layer, i);
                assert_eq!(
                    (facts[w].fact.suffix, facts[w + 1].fact.suffix),
                    ("weight", "bias")
                );
            }
        }
        // The export holds exactly these tensors, by name and shape.
        let bytes = to_safetensors(&spec, &params).unwrap();
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let mut exported: Vec<(String, Vec<usize>)> = file
            .tensors()
            .into_iter()
            .map(|(name, view)| (name, view.shape().to_vec()))
            .collect();
        exported.sort();
        let mut expected = from_facts.clone();
        expected.sort();
        assert_eq!(exported, expected, "safetensors export");
        assert_eq!(
            spec.parameter_count().unwrap(),
            from_facts
                .iter()
                .map(|(_, s)| s.iter().product::<usize>())
                .sum::<usize>()
        );
    }
}

#[test]
fn weights_are_drawn_quantized_and_pruned_biases_are_zero_and_kept_f32() {
    for spec in specs() {
        let facts = spec.param_facts().unwrap();
        for p in &facts {
            let weight = p.fact.suffix == "weight";
            assert!(has_weights(&spec.layers[p.layer]), "{}", p.name);
            assert_eq!(p.fact.quantizable, weight, "{}", p.name);
            assert_eq!(p.fact.prunable, weight, "{}", p.name);
            let init = if weight {
                Init::FanUniform
            } else {
                Init::Constant(0.0)
            };
            assert_eq!(p.fact.init, init, "{}", p.name);
        }
        let params = init_params(&spec, 3).unwrap();
        for (p, f) in params.iter().zip(&facts) {
            let zeros = p.tensor.data.iter().all(|v| *v == 0.0);
            assert_eq!(zeros, f.fact.init == Init::Constant(0.0), "{}", p.name);
        }
        // int8 holds exactly the quantizable tensors, in order; the rest stay f32.
        let q = QuantizedModel::quantize(&spec, &params).unwrap();
        let int8: Vec<&str> = q.weights.iter().map(|w| w.name.as_str()).collect();
        let quantizable: Vec<&str> = facts
            .iter()
            .filter(|f| f.fact.quantizable)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(int8, quantizable);
        let kept: Vec<&str> = q.biases.iter().map(|b| b.name.as_str()).collect();
        let others: Vec<&str> = facts
            .iter()
            .filter(|f| !f.fact.quantizable)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(kept, others);
        let back = QuantizedModel::from_safetensors(&q.to_safetensors().unwrap()).unwrap();
        assert_eq!(back, q);
        let names: Vec<String> = q.dequantize().into_iter().map(|p| p.name).collect();
        let all: Vec<String> = facts.iter().map(|f| f.name.clone()).collect();
        assert_eq!(names, all, "dequantize keeps state_dict order");
        // Pruning everything zeroes exactly the prunable tensors.
        let mask = prunable_mask(&spec, &params).unwrap();
        let pruned = prune_model(&spec, &params, 1.0, PruneScope::Global).unwrap();
        for ((a, b), m) in params.iter().zip(&pruned).zip(&mask) {
            if *m {
                assert!(b.tensor.data.iter().all(|v| *v == 0.0), "{}", a.name);
            } else {
                assert_eq!(a, b);
            }
        }
    }
    // A tensor the spec does not have has no facts.
    let spec = ModelSpec::mlp();
    let mut params = init_params(&spec, 1).unwrap();
    params[1].name = "1.bias".into();
    assert!(prunable_mask(&spec, &params).is_err());
}

#[test]
fn int8_logits_of_every_kind_follow_the_float_model_and_refuse_partial_images() {
    let spec = every_kind();
    let params = init_params(&spec, 5).unwrap();
    let images: Vec<f32> = (0..3 * 784).map(|i| (i % 255) as f32 / 255.0).collect();
    let q = QuantizedModel::quantize(&spec, &params).unwrap();
    let int8 = q.logits(&images).unwrap();
    let float = Model::new(&spec, &params).unwrap().logits(&images).unwrap();
    assert_eq!(int8.len(), 30);
    let diff = int8
        .iter()
        .zip(&float)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        diff > 0.0 && diff < 0.05,
        "int8 vs f32 logits differ by {diff}"
    );
    assert!(q.logits(&images[..784 + 5]).is_err());
}
