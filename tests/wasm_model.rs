//! Browser test of the inference-only `Model`: built from a trained `Session`'s `paramsFlat` (or
//! its `.safetensors` export) it predicts what `Session.predict` does, for the MLP and the CNN
//! presets; its errors are thrown, readable, and leave it usable.
//!
//! Runs in headless Chromium with the other browser tests (scripts/test.sh, layer `wasm`).
#![cfg(target_arch = "wasm32")]
mod wasm_support;

use gradient_garden::wasm::{preset_spec, Dataset, Model, Session};
use js_sys::{Array, Float32Array, Reflect, Uint8Array};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_support::{mnist, wait};

wasm_bindgen_test_configure!(run_in_browser);

/// A CPU session of `preset` after a few steps, so its weights are not the init's.
async fn trained(preset: &str, data: &Dataset) -> Session {
    let c = serde_json::json!({"model": preset, "backend": "cpu", "batch": 16, "seed": 5});
    let config = js_sys::JSON::parse(&c.to_string()).unwrap();
    let s = wait(Session::create(config, data, None)).await;
    let s = Session::try_from_js_value(s).expect("a Session");
    wait(s.train(3)).await;
    wait(s.metrics()).await;
    s
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 * w.abs().max(1e-3),
            "{what}[{i}]: {g} vs {w}"
        );
    }
}

async fn check(preset: &str) {
    let data = mnist();
    let session = trained(preset, &data).await;
    let flat = Float32Array::from(wait(session.params_flat(None)).await).to_vec();
    let mut model = Model::from_spec(preset_spec(preset).unwrap(), &flat).expect("a Model");
    assert_eq!(model.parameter_count(), flat.len());
    let bytes = Uint8Array::from(wait(session.export_safetensors()).await).to_vec();
    let mut from_file = Model::from_safetensors(&bytes).expect("a Model from the file");
    for index in 0..4 {
        let pixels = data.test_image(index).unwrap().to_vec();
        let want = Float32Array::from(wait(session.predict(pixels.clone())).await).to_vec();
        let got = model.predict(&pixels).unwrap().to_vec();
        assert_close(&format!("{preset} image {index}"), &got, &want);
        assert_close(
            "from the file",
            &from_file.predict(&pixels).unwrap().to_vec(),
            &want,
        );
        assert_eq!(model.logits(&pixels).unwrap().length(), 10);
        let want_acts = Array::from(&wait(session.activations(pixels.clone())).await);
        let got_acts = model.activations(&pixels).unwrap();
        assert_eq!(got_acts.length(), want_acts.length());
        for (g, w) in got_acts.iter().zip(want_acts.iter()) {
            let name = |v: &JsValue| Reflect::get(v, &"name".into()).unwrap().as_string();
            assert_eq!(name(&g), name(&w));
        }
    }
    // `spec()` round-trips into another model.
    let again = Model::from_spec(model.spec().unwrap(), &flat).expect("the spec round-trips");
    assert_eq!(again.parameter_count(), flat.len());

    // Errors are thrown and leave the model as it was.
    let message = |e: JsValue| format!("{e:?}");
    assert!(message(model.predict(&[0.5; 100]).unwrap_err()).contains("784"));
    let mut nan = vec![0.0; 784];
    nan[3] = f32::NAN;
    assert!(message(model.predict(&nan).unwrap_err()).contains("pixel 3"));
    assert!(message(model.set_weights(&flat[1..]).unwrap_err()).contains("values for"));
    assert!(Model::from_spec(JsValue::from("no spec"), &flat).is_err());
    assert!(Model::from_safetensors(&[1, 2, 3]).is_err());
    model.set_weights(&flat).unwrap();
    assert_eq!(model.predict(&[0.0; 784]).unwrap().length(), 10);
}

#[wasm_bindgen_test]
async fn mlp_model_predicts_like_its_session() {
    check("mlp").await;
}

#[wasm_bindgen_test]
async fn cnn_model_predicts_like_its_session() {
    check("cnn").await;
}
