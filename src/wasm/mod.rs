//! The JavaScript surface (used from Web Workers), one file per job, each only converting JS
//! values and calling the core; every `Error` becomes a thrown `Error` / rejected promise with a
//! readable message.
//!
//! | file | JS names |
//! | --- | --- |
//! | `dataset.rs` | `Dataset` (MNIST from IDX bytes, for sessions and labs) |
//! | `session.rs` | `Session` (create, train, metrics, evaluate, predict, weights...) |
//! | `session_data.rs` | `Session`'s data methods (replaceData, setOwnExamples, setOwnShare, ownCounts) |
//! | `parallel.rs` | `Session`'s split-step methods (planStep, gradients, finishStep, paramsFlat) |
//! | `history.rs` | `Session`'s schedule and snapshots (setSchedule, history, snapshotWeights, resumeFrom) |
//! | `model.rs` | `Model` (inference only), `presetSpec`, `checkSpec`, `inspectWeights` |
//! | `labs.rs` | `ScalingSweep`, `fitPowerLaw`, `fitLogLog`, `compress`, `prunedSafetensors`, `QuantizedModel` |
//! | `plane.rs` | `Plane` (the 2-D points page: data, training, grid predictions) |
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use js_sys::{Array, Float32Array, Object, Promise, Reflect};
use serde::{Deserialize, Serialize};
use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

mod dataset;
mod history;
mod labs;
mod model;
mod parallel;
mod plane;
mod session;
mod session_data;

pub use dataset::Dataset;
pub use labs::{
    compress, fit_loglog_js, fit_power_law_js, pruned_safetensors, QuantizedModel, ScalingSweep,
};
pub use model::{check_spec, inspect_weights, preset_spec, Model};
pub use plane::Plane;
pub use session::Session;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Which wasm build this is: `'relaxed-simd'` (compiled with `+relaxed-simd`, `www/pkg-relaxed/`)
/// or `'simd128'` (`www/pkg/`); the page reports it as `state().wasmBuild`.
#[wasm_bindgen(js_name = wasmBuild)]
pub fn wasm_build() -> String {
    if cfg!(target_feature = "relaxed-simd") {
        "relaxed-simd".into()
    } else {
        "simd128".into()
    }
}

pub(crate) fn js_err(e: Error) -> JsValue {
    JsError::new(&e.to_string()).into()
}

pub(crate) fn to_js<T: Serialize>(value: &T) -> std::result::Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()).into())
}

/// A JS value as `T`; a mismatch is a config error naming the field.
pub(crate) fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T> {
    serde_wasm_bindgen::from_value(value).map_err(|e| Error::Config(e.to_string()))
}

pub(crate) fn spawn<F>(fut: F) -> Promise
where
    F: Future<Output = Result<JsValue>> + 'static,
{
    future_to_promise(async move { fut.await.map_err(js_err) })
}

/// A tensor as `{name, shape, data: Float32Array}`.
pub(crate) fn tensor_to_js(name: &str, t: &Tensor) -> JsValue {
    let obj = Object::new();
    let shape: Array = t.shape.iter().map(|&d| JsValue::from(d as u32)).collect();
    let _ = Reflect::set(&obj, &"name".into(), &name.into());
    let _ = Reflect::set(&obj, &"shape".into(), &shape);
    let _ = Reflect::set(&obj, &"data".into(), &Float32Array::from(&t.data[..]));
    obj.into()
}
