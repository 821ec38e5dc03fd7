//! A bare PyTorch state dict (`safetensors.torch.save_file(model.state_dict(), path)` writes no
//! metadata) loads: into the current model when names and shapes match, else as the inferred
//! Sequential, predicting exactly as the same weights with our metadata; a file that fits neither
//! is refused with the names and shapes of both sides.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::cpu::Inference;
use gradient_garden::init::init_params;
use gradient_garden::spec::ModelSpec;
use gradient_garden::tensor::Param;
use gradient_garden::weights::{resolve, to_safetensors, Source};
use safetensors::tensor::{Dtype, TensorView};
use std::collections::HashMap;

/// What PyTorch writes: the tensors under their state_dict names, no metadata.
fn bare(params: &[Param]) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = params
        .iter()
        .map(|p| p.tensor.data.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let views: Vec<(&str, TensorView)> = params
        .iter()
        .zip(&bytes)
        .map(|(p, b)| {
            (
                p.name.as_str(),
                TensorView::new(Dtype::F32, p.tensor.shape.clone(), b).unwrap(),
            )
        })
        .collect();
    safetensors::serialize(views, None::<HashMap<String, String>>).unwrap()
}

fn image(seed: usize) -> Vec<f32> {
    (0..784)
        .map(|i| ((i * 7 + seed * 13) % 29) as f32 / 28.0)
        .collect()
}

fn predictions(spec: &ModelSpec, params: &[Param]) -> Vec<Vec<u32>> {
    let mut model = Inference::new(spec, params).unwrap();
    (0..4)
        .map(|k| {
            model
                .logits(&image(k))
                .unwrap()
                .iter()
                .map(|v| v.to_bits())
                .collect()
        })
        .collect()
}

fn sigmoid_mlp() -> ModelSpec {
    ModelSpec::from_json(r#"{"input":[784],"layers":[{"type":"dense","units":32},{"type":"sigmoid"},{"type":"dense","units":10}]}"#).unwrap()
}

#[test]
fn presets_load_inferred_and_predict_exactly_as_with_metadata() {
    for spec in [ModelSpec::mlp(), ModelSpec::cnn()] {
        let params = init_params(&spec, 5).unwrap();
        let ours = resolve(&to_safetensors(&spec, &params).unwrap(), None).unwrap();
        assert_eq!(ours.source, Source::Metadata);
        let found = resolve(&bare(&params), None).unwrap();
        assert!(
            matches!(&found.source, Source::Inferred(a) if a.iter().any(|a| a.contains("ReLU"))),
            "{:?}",
            found.source
        );
        assert_eq!(found.spec, spec);
        assert_eq!(
            predictions(&found.spec, &found.params),
            predictions(&ours.spec, &ours.params)
        );
    }
}

#[test]
fn a_bare_file_matching_the_current_model_loads_into_it() {
    // Inference alone would assume a ReLU; the current model's sigmoid wins when names and shapes match.
    let spec = sigmoid_mlp();
    let params = init_params(&spec, 9).unwrap();
    let found = resolve(&bare(&params), Some(&spec)).unwrap();
    assert_eq!(found.source, Source::Current);
    assert_eq!(found.spec, spec);
    assert_eq!(
        predictions(&found.spec, &found.params),
        predictions(&spec, &params)
    );
    assert!(found.note().contains("current model"));
    // Without a current model the same file is inferred, with its assumption stated.
    let inferred = resolve(&bare(&params), None).unwrap();
    assert!(inferred.note().contains("ReLU"), "{}", inferred.note());
}

#[test]
fn one_wrong_shape_lists_names_and_shapes() {
    let spec = ModelSpec::cnn();
    let mut params = init_params(&spec, 1).unwrap();
    // 3.weight: 64 filters over 16 channels instead of 32 (the first conv gives 32).
    let p = params.iter_mut().find(|p| p.name == "3.weight").unwrap();
    p.tensor.shape = vec![64, 16, 3, 3];
    p.tensor.data.truncate(64 * 16 * 9);
    let err = resolve(&bare(&params), Some(&spec))
        .unwrap_err()
        .to_string();
    assert!(err.contains("The file holds: 0.bias [32], 0.weight [32, 1, 3, 3], 3.bias [64], 3.weight [64, 16, 3, 3]"), "{err}");
    assert!(err.contains("the current model expects: 0.bias [32], 0.weight [32, 1, 3, 3], 3.bias [64], 3.weight [64, 32, 3, 3]"), "{err}");
    assert!(
        err.contains("needs input channels 16"),
        "the reason inference failed: {err}"
    );
}
