//! Browser test of the labs' JS surface (`wasm::labs`): a width sweep through `ScalingSweep.next()`
//! on WebGPU (SwiftShader) gives the same points as on the CPU, `fitPowerLaw` reads them, and the
//! int8 model predicts and round-trips through its file.
//!
//! Runs in headless Chromium with the other browser tests (scripts/test.sh, layer `wasm`).
//! A missing adapter fails it unless `GARDEN_ALLOW_NO_GPU` was set at build time (loud SKIP).
#![cfg(target_arch = "wasm32")]
mod wasm_support;

use gradient_garden::wasm::{fit_power_law_js, Dataset, QuantizedModel, ScalingSweep};
use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_support::mnist;

wasm_bindgen_test_configure!(run_in_browser);

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).expect("an object")
}

/// All points of a 2-width sweep on `backend`, or `None` when the GPU is missing and skipping
/// was allowed at build time.
async fn sweep(backend: &str, data: &Dataset) -> Option<Vec<JsValue>> {
    let config = serde_json::json!({"axis": "width", "backend": backend, "steps": 30, "widths": [8, 32], "eval_limit": 300});
    let config = js_sys::JSON::parse(&config.to_string()).unwrap();
    let sweep = ScalingSweep::new(config, data).expect("a valid config");
    assert_eq!(sweep.length(), 2);
    let mut points = Vec::new();
    loop {
        match JsFuture::from(sweep.next()).await {
            Ok(p) if p.is_null() => return Some(points),
            Ok(p) => points.push(p),
            Err(e) if option_env!("GARDEN_ALLOW_NO_GPU").is_some() && backend == "gpu" => {
                console_log!(
                    "SKIP: no WebGPU sweep ({e:?}); GARDEN_ALLOW_NO_GPU was set at build time"
                );
                return None;
            }
            Err(e) => panic!("sweep on {backend} failed: {e:?}"),
        }
    }
}

#[wasm_bindgen_test]
async fn gpu_sweep_matches_cpu_and_fits() {
    let data = mnist();
    let cpu = sweep("cpu", &data).await.expect("the CPU always runs");
    let Some(gpu) = sweep("gpu", &data).await else {
        return;
    };
    for (c, g) in cpu.iter().zip(&gpu) {
        assert_eq!(get(g, "backend").as_string().as_deref(), Some("gpu"));
        for key in ["val_loss", "train_loss"] {
            let (a, b) = (get(c, key).as_f64().unwrap(), get(g, key).as_f64().unwrap());
            assert!((a - b).abs() < 1e-3 * a, "{key}: cpu {a} gpu {b}");
        }
    }
    let (l8, l32) = (
        get(&cpu[0], "val_loss").as_f64().unwrap(),
        get(&cpu[1], "val_loss").as_f64().unwrap(),
    );
    assert!(l32 < l8, "width 32 loss {l32} vs width 8 {l8}");
    // Two points are too few for the three-parameter law: a readable error, not a panic.
    let points: js_sys::Array = cpu.iter().collect();
    assert!(fit_power_law_js(points.clone().into()).is_err());
    let extra = js_sys::JSON::parse(r#"{"x": 1000000, "val_loss": 0.3}"#).unwrap();
    points.push(&extra);
    let fit = fit_power_law_js(points.into()).expect("three points fit");
    assert!(get(&fit, "alpha").as_f64().unwrap() > 0.0);
}

#[wasm_bindgen_test]
fn quantized_model_predicts_and_round_trips() {
    let spec = gradient_garden::spec::ModelSpec::cnn();
    let params = gradient_garden::init::init_params(&spec, 4).unwrap();
    let bytes = gradient_garden::weights::to_safetensors(&spec, &params).unwrap();
    let q = QuantizedModel::from_weights(&bytes, None).expect("quantizes");
    let pixels: Vec<f32> = (0..784).map(|i| (i % 29) as f32 / 28.0).collect();
    let probs = q.predict(pixels.clone()).expect("predicts").to_vec();
    assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    let file = q.export_safetensors().unwrap().to_vec();
    let back = QuantizedModel::from_int8(&file).expect("reads its own file");
    assert_eq!(back.predict(pixels).unwrap().to_vec(), probs);
    assert_eq!(back.bytes(), q.bytes());
    assert!(q.predict(vec![0.0; 10]).is_err());
}
