//! Browser test of `Session.setOptimizer`: it resolves to what was applied, `{step, optimizer,
//! requested}`, where `step` is the first metrics record run with the new settings and
//! `optimizer.lr` the f32 the engine uses; a setting it cannot apply rejects and changes nothing.
//!
//! Runs in headless Chromium with the other browser tests (scripts/test.sh, layer `wasm`).
#![cfg(target_arch = "wasm32")]
mod wasm_support;

use gradient_garden::wasm::Session;
use js_sys::{Array, Reflect};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_support::{mnist, wait};

wasm_bindgen_test_configure!(run_in_browser);

fn js(value: serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).expect("an object")
}

#[wasm_bindgen_test]
async fn set_optimizer_resolves_to_what_was_applied() {
    let data = mnist();
    let config = js(serde_json::json!({"model": "mlp", "backend": "cpu", "batch": 8}));
    let s = Session::try_from_js_value(wait(Session::create(config, &data, None)).await).unwrap();
    wait(s.train(3)).await;

    let applied = wait(s.set_optimizer(js(serde_json::json!({"lr": 0.01, "kind": "sgd"})))).await;
    assert_eq!(get(&applied, "step").as_f64(), Some(3.0));
    let optimizer = get(&applied, "optimizer");
    assert_eq!(
        get(&optimizer, "lr").as_f64(),
        Some(0.01f32 as f64),
        "the f32 in use"
    );
    assert_eq!(get(&optimizer, "kind").as_string().as_deref(), Some("sgd"));
    assert_eq!(
        get(&optimizer, "beta1").as_f64(),
        Some(0.9f32 as f64),
        "kept"
    );
    let requested = get(&applied, "requested");
    assert_eq!(get(&requested, "lr").as_f64(), Some(0.01), "as given");

    // The first record with the new rate is the one `step` named.
    wait(s.train(2)).await;
    let records = Array::from(&wait(s.metrics()).await);
    let first_new = records
        .iter()
        .find(|r| get(r, "lr").as_f64() == Some(0.01f32 as f64))
        .expect("a step ran with the new rate");
    assert_eq!(get(&first_new, "step").as_f64(), Some(3.0));

    // Unknown or invalid settings reject; the settings in use stay.
    for bad in [
        serde_json::json!({"learning_rate": 0.1}),
        serde_json::json!({"lr": -1}),
        serde_json::json!({"kind": "rmsprop"}),
    ] {
        let err = JsFuture::from(s.set_optimizer(js(bad.clone()))).await;
        assert!(err.is_err(), "{bad} was accepted");
    }
    let again = wait(s.set_optimizer(js(serde_json::json!({})))).await;
    assert_eq!(get(&again, "step").as_f64(), Some(5.0));
    assert_eq!(
        get(&get(&again, "optimizer"), "lr").as_f64(),
        Some(0.01f32 as f64)
    );
}
