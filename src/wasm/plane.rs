//! The plane's JavaScript surface (for `www/workers/plane.js`): one `Plane` holds a
//! [`PlaneTrainer`]; every method converts JS values and calls it, and every `Error` becomes a
//! thrown `Error` with the engine's message.
//!
//! ```js
//! const plane = new Plane({dataset: "spiral", classes: 3, features: ["x1", "x2", "sin(x1)"],
//!                          layers: [8, 8], activation: "tanh", batch: 10,
//!                          optimizer: {kind: "adam", lr: 0.01, l1: 0, weight_decay: 0}});
//! plane.step(25);                         // the last batch's loss
//! plane.metrics();                        // {step, trainLoss, testLoss, trainAccuracy, testAccuracy}
//! const g = plane.grid(48);               // {n, outputs, output: Float32Array, hidden: [Float32Array]}
//! plane.setOptimizer({lr: 0.003});        // live, from the next step
//! plane.addPoint(1.5, -2, 1);             // a training point of class 1
//! ```
use super::{js_err, tensor_to_js, to_js};
use crate::points::{PlaneConfig, PlaneTrainer, Targets};
use js_sys::{Array, Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;

type JsResult<T> = std::result::Result<T, JsValue>;

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &key.into(), value);
}

#[wasm_bindgen]
pub struct Plane {
    inner: PlaneTrainer,
}

#[wasm_bindgen]
impl Plane {
    /// Generate the points and build a fresh model from `config` (any subset of
    /// `PlaneConfig`'s fields; the rest are TensorFlow Playground's defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> JsResult<Plane> {
        let config: PlaneConfig = if config.is_undefined() || config.is_null() {
            PlaneConfig::default()
        } else {
            super::from_js(config).map_err(js_err)?
        };
        Ok(Self {
            inner: PlaneTrainer::new(config).map_err(js_err)?,
        })
    }

    /// The settings in use, every field filled in.
    pub fn config(&self) -> JsResult<JsValue> {
        to_js(self.inner.config())
    }

    /// `n` optimizer steps; returns the last batch's loss.
    pub fn step(&mut self, n: usize) -> JsResult<f32> {
        self.inner.step(n).map_err(js_err)
    }

    /// Steps per pass over the training points.
    #[wasm_bindgen(js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> usize {
        self.inner.steps_per_epoch()
    }

    /// Merge `changes` (`{kind, lr, l1, weight_decay, momentum, ...}`) into the optimizer
    /// settings from the next step on; resolves to the merged settings.
    #[wasm_bindgen(js_name = setOptimizer)]
    pub fn set_optimizer(&mut self, changes: JsValue) -> JsResult<JsValue> {
        let changes: serde_json::Value = super::from_js(changes).map_err(js_err)?;
        let merged = self
            .inner
            .config()
            .optimizer
            .with_changes(&changes)
            .map_err(js_err)?;
        self.inner.set_optimizer(merged).map_err(js_err)?;
        to_js(&merged)
    }

    /// `{step, trainLoss, testLoss, trainAccuracy, testAccuracy}` over the whole sets (the
    /// accuracies are `null` for a regression).
    pub fn metrics(&self) -> JsResult<JsValue> {
        let train = self.inner.train_metrics().map_err(js_err)?;
        let test = self.inner.test_metrics().map_err(js_err)?;
        let obj = Object::new();
        set(&obj, "step", &JsValue::from(self.inner.steps() as f64));
        set(&obj, "trainLoss", &JsValue::from(train.loss));
        set(&obj, "testLoss", &JsValue::from(test.loss));
        let acc = |a: Option<f32>| a.map_or(JsValue::NULL, JsValue::from);
        set(&obj, "trainAccuracy", &acc(train.accuracy));
        set(&obj, "testAccuracy", &acc(test.accuracy));
        Ok(obj.into())
    }

    /// The model over an `n x n` grid, rows from the top (x2 = 6) and columns from the left
    /// (x1 = -6): `{n, outputs, output: Float32Array [n*n*outputs] (class probabilities or the
    /// value), hidden: [Float32Array [n*n*width]] per hidden layer}`.
    pub fn grid(&self, n: usize) -> JsResult<JsValue> {
        let g = self.inner.grid(n).map_err(js_err)?;
        let obj = Object::new();
        set(&obj, "n", &JsValue::from(g.n as u32));
        set(
            &obj,
            "outputs",
            &JsValue::from(self.inner.config().outputs() as u32),
        );
        set(&obj, "output", &Float32Array::from(&g.output[..]));
        let hidden: Array = g
            .hidden
            .iter()
            .map(|h| JsValue::from(Float32Array::from(&h[..])))
            .collect();
        set(&obj, "hidden", &hidden);
        Ok(obj.into())
    }

    /// `{train, test}`, each `{xy: Float32Array [n*2], target: Float32Array [n]}` (the class
    /// as a number, or the value).
    pub fn points(&self) -> JsValue {
        let obj = Object::new();
        for (name, points) in [("train", &self.inner.train), ("test", &self.inner.test)] {
            let set_obj = Object::new();
            let xy: Vec<f32> = points.xy.iter().flatten().copied().collect();
            let target: Vec<f32> = match &points.targets {
                Targets::Classes { labels, .. } => labels.iter().map(|&l| l as f32).collect(),
                Targets::Values(v) => v.clone(),
            };
            set(&set_obj, "xy", &Float32Array::from(&xy[..]));
            set(&set_obj, "target", &Float32Array::from(&target[..]));
            set(&obj, name, &set_obj.into());
        }
        obj.into()
    }

    /// Add a training point at `(x, y)` with a class (0, 1, ...) or a value in [-1, 1].
    #[wasm_bindgen(js_name = addPoint)]
    pub fn add_point(&mut self, x: f32, y: f32, target: f32) -> JsResult<()> {
        self.inner.add_point(x, y, target).map_err(js_err)
    }

    /// Every parameter tensor as `{name, shape, data}` (PyTorch `Linear` layout: weight
    /// `[out, in]`), in state_dict order.
    pub fn weights(&self) -> Array {
        self.inner
            .model()
            .params
            .iter()
            .map(|p| tensor_to_js(&p.name, &p.tensor))
            .collect()
    }

    /// Every weight and bias as one flat list (a history snapshot), in `weights()` order.
    #[wasm_bindgen(js_name = paramsFlat)]
    pub fn params_flat(&self) -> Float32Array {
        Float32Array::from(&self.inner.params_flat()[..])
    }

    /// Put back a `paramsFlat()` list (the optimizer state is kept).
    #[wasm_bindgen(js_name = setParamsFlat)]
    pub fn set_params_flat(&mut self, flat: &[f32]) -> JsResult<()> {
        self.inner.set_params_flat(flat).map_err(js_err)
    }

    /// The L2 norm of each parameter tensor's gradient at the last step, in `weights()` order.
    #[wasm_bindgen(js_name = gradNorms)]
    pub fn grad_norms(&self) -> Float32Array {
        Float32Array::from(self.inner.grad_norms())
    }
}
