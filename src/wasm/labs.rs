//! The labs' JavaScript surface (for a Web Worker): parse JS values, call [`crate::labs`], map
//! every `Error` to a thrown `Error` / rejected promise. The data is the playground's `Dataset`.
//!
//! ```js
//! const data = Dataset.fromIdx(trainImages, trainLabels, testImages, testLabels);
//! const sweep = new ScalingSweep({axis: "width", backend: "auto", steps: 300, widths: [8, 32, 128]}, data);
//! const points = [];
//! for (let p; (p = await sweep.next()) !== null; ) { points.push(p); draw(p); if (cancelled) break; }
//! sweep.free();
//! const fit = fitPowerLaw(points);              // {a, alpha, c, r2_log, rmse_log, line: {...}}
//! const table = compress(weightsBytes, [{kind: "f32"}, {kind: "int8"}, {kind: "prune", sparsity: 0.9}],
//!                        data, {scope: "global", limit: 2000});
//! const q = QuantizedModel.fromWeights(weightsBytes); q.predict(pixels); q.exportSafetensors();
//! ```
use super::{js_err, to_js, Dataset};
use crate::data::check_image;
use crate::error::Result;
use crate::labs::compress::{evaluate_setting, Setting};
use crate::labs::fit::{fit_loglog, fit_power_law, FitPoint};
use crate::labs::int8::QuantizedModel as Int8Model;
use crate::labs::prune::{prune_model, PruneScope};
use crate::labs::scaling::{ScalingSweep as Sweep, SweepConfig};
use crate::weights;
use futures_util::lock::Mutex;
use js_sys::{Float32Array, Promise, Uint8Array};
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> std::result::Result<T, JsValue> {
    super::from_js(value).map_err(js_err)
}

/// A width or data sweep that trains one point per `next()` call. Stop calling `next()` to
/// cancel: nothing runs between calls.
#[wasm_bindgen]
pub struct ScalingSweep {
    inner: Rc<Mutex<Sweep>>,
    len: usize,
}

#[wasm_bindgen]
impl ScalingSweep {
    /// `config`: `{axis: "width"|"data", family: "mlp"|"cnn", backend: "auto"|"gpu"|"cpu", steps,
    /// batch, optimizer, seed, widths, fractions, width, validation, eval_limit}`, all optional.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, data: &Dataset) -> std::result::Result<ScalingSweep, JsValue> {
        let config: SweepConfig = if config.is_undefined() || config.is_null() {
            SweepConfig::default()
        } else {
            from_js(config)?
        };
        let sweep = Sweep::new(config, &data.train).map_err(js_err)?;
        Ok(Self {
            len: sweep.len(),
            inner: Rc::new(Mutex::new(sweep)),
        })
    }

    /// How many points the sweep has.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.len
    }

    /// Trains the next point; resolves to `{index, of, axis, width, fraction, parameters,
    /// train_samples, x, steps, epochs, val_loss, val_accuracy, val_n, train_loss, backend}`, or
    /// to `null` once every point is done.
    pub fn next(&self) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let point = inner.lock().await.next_point().await.map_err(js_err)?;
            match point {
                Some(p) => to_js(&p),
                None => Ok(JsValue::NULL),
            }
        })
    }
}

/// Points as `[{x, loss}]` or sweep points (`x` and `val_loss` are read).
fn points_from_js(points: JsValue) -> std::result::Result<Vec<FitPoint>, JsValue> {
    #[derive(Deserialize)]
    struct Any {
        x: f64,
        #[serde(alias = "val_loss")]
        loss: f64,
    }
    let raw: Vec<Any> = from_js(points)?;
    Ok(raw
        .into_iter()
        .map(|p| FitPoint {
            x: p.x,
            loss: p.loss,
        })
        .collect())
}

/// `L = a x^-alpha + c` through at least three points: `{a, alpha, c, r2_log, rmse_log, line,
/// points}` where `line` is the plain log-log fit `{slope, intercept, alpha, a, r2_log}`.
#[wasm_bindgen(js_name = fitPowerLaw)]
pub fn fit_power_law_js(points: JsValue) -> std::result::Result<JsValue, JsValue> {
    to_js(&fit_power_law(&points_from_js(points)?).map_err(js_err)?)
}

/// The log-log line through at least two points: `{slope, intercept, alpha, a, r2_log}`.
#[wasm_bindgen(js_name = fitLogLog)]
pub fn fit_loglog_js(points: JsValue) -> std::result::Result<JsValue, JsValue> {
    to_js(&fit_loglog(&points_from_js(points)?).map_err(js_err)?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompressOptions {
    scope: Option<PruneScope>,
    limit: Option<usize>,
}

/// The accuracy-vs-bytes table for a float `.safetensors` file: one row per setting
/// (`{kind: "f32"|"int8"}`, `{kind: "prune"|"int8_prune", sparsity}`), measured on the test set.
/// `options`: `{scope: "global"|"per_tensor", limit}`. Runs on the CPU, synchronously: call it
/// with one setting at a time to show progress.
#[wasm_bindgen]
pub fn compress(
    weights_bytes: &[u8],
    settings: JsValue,
    data: &Dataset,
    options: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let (spec, params) = weights::from_safetensors(weights_bytes).map_err(js_err)?;
    let settings: Vec<Setting> = from_js(settings)?;
    let options: CompressOptions = if options.is_undefined() || options.is_null() {
        CompressOptions::default()
    } else {
        from_js(options)?
    };
    let scope = options.scope.unwrap_or_default();
    let limit = options.limit.unwrap_or(usize::MAX);
    let rows = settings
        .into_iter()
        .map(|s| evaluate_setting(&spec, &params, s, scope, &data.test, limit))
        .collect::<Result<Vec<_>>>()
        .map_err(js_err)?;
    to_js(&rows)
}

/// A float `.safetensors` file with `sparsity` of its weights pruned by magnitude.
#[wasm_bindgen(js_name = prunedSafetensors)]
pub fn pruned_safetensors(
    weights_bytes: &[u8],
    sparsity: f32,
    scope: Option<String>,
) -> std::result::Result<Uint8Array, JsValue> {
    let (spec, params) = weights::from_safetensors(weights_bytes).map_err(js_err)?;
    let scope = PruneScope::parse(scope.as_deref().unwrap_or("global")).map_err(js_err)?;
    let pruned = prune_model(&spec, &params, sparsity, scope).map_err(js_err)?;
    let bytes = weights::to_safetensors(&spec, &pruned).map_err(js_err)?;
    Ok(Uint8Array::from(&bytes[..]))
}

/// An int8 model; `predict` runs the int8 forward pass.
#[wasm_bindgen]
pub struct QuantizedModel {
    model: Int8Model,
}

#[wasm_bindgen]
impl QuantizedModel {
    /// Quantize a float `.safetensors` file (optionally pruned first to `sparsity`).
    #[wasm_bindgen(js_name = fromWeights)]
    pub fn from_weights(
        bytes: &[u8],
        sparsity: Option<f32>,
    ) -> std::result::Result<QuantizedModel, JsValue> {
        let (spec, mut params) = weights::from_safetensors(bytes).map_err(js_err)?;
        if let Some(s) = sparsity {
            params = prune_model(&spec, &params, s, PruneScope::Global).map_err(js_err)?;
        }
        Ok(Self {
            model: Int8Model::quantize(&spec, &params).map_err(js_err)?,
        })
    }

    /// Load a file written by `exportSafetensors` (I8 weights + `.scale` tensors).
    #[wasm_bindgen(js_name = fromInt8)]
    pub fn from_int8(bytes: &[u8]) -> std::result::Result<QuantizedModel, JsValue> {
        Ok(Self {
            model: Int8Model::from_safetensors(bytes).map_err(js_err)?,
        })
    }

    /// Ten class probabilities for 784 pixels in [0, 1].
    pub fn predict(&self, pixels: Vec<f32>) -> std::result::Result<Float32Array, JsValue> {
        check_image(&pixels).map_err(js_err)?;
        let mut probs = self.model.logits(&pixels).map_err(js_err)?;
        crate::backend::softmax_rows(&mut probs);
        Ok(Float32Array::from(&probs[..]))
    }

    /// Bytes of the stored numbers (1 per weight, 4 per channel scale, 4 per bias).
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> usize {
        self.model.bytes()
    }

    pub fn spec(&self) -> std::result::Result<JsValue, JsValue> {
        to_js(&self.model.spec)
    }

    #[wasm_bindgen(js_name = exportSafetensors)]
    pub fn export_safetensors(&self) -> std::result::Result<Uint8Array, JsValue> {
        let bytes = self.model.to_safetensors().map_err(js_err)?;
        Ok(Uint8Array::from(&bytes[..]))
    }
}
