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
//!
//! // On the GPU (WebGPU): build and step through the async forms; everything else is the same.
//! const gpu = await Plane.create({dataset: "xor", backend: "gpu"});
//! await gpu.stepAsync(25);                // also works on the CPU
//! gpu.viewParamsFlat(snapshot);           // show a kept snapshot; viewParamsFlat() goes live
//! ```
use super::{js_err, tensor_to_js, to_js};
use crate::points::{PlaneConfig, PlaneTrainer, Targets};
use js_sys::{Array, Float32Array, Object, Reflect};
use std::cell::{Ref, RefCell, RefMut};
use wasm_bindgen::prelude::*;

type JsResult<T> = std::result::Result<T, JsValue>;

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &key.into(), value);
}

/// The trainer sits in a `RefCell` because `stepAsync` holds it across a GPU readback and an
/// async export can only take `&self`; the worker's calls are serial, so a busy trainer is a
/// caller's mistake, answered with an error.
#[wasm_bindgen]
pub struct Plane {
    inner: RefCell<PlaneTrainer>,
}

fn busy() -> JsValue {
    js_err(crate::error::Error::Config(
        "the plane is busy with a step: await stepAsync first".into(),
    ))
}

impl Plane {
    fn read(&self) -> JsResult<Ref<'_, PlaneTrainer>> {
        self.inner.try_borrow().map_err(|_| busy())
    }

    fn write(&self) -> JsResult<RefMut<'_, PlaneTrainer>> {
        self.inner.try_borrow_mut().map_err(|_| busy())
    }
}

fn parse_config(config: JsValue) -> JsResult<PlaneConfig> {
    if config.is_undefined() || config.is_null() {
        Ok(PlaneConfig::default())
    } else {
        super::from_js(config).map_err(js_err)
    }
}

#[wasm_bindgen]
impl Plane {
    /// Generate the points and build a fresh model from `config` (any subset of
    /// `PlaneConfig`'s fields; the rest are TensorFlow Playground's defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> JsResult<Plane> {
        Ok(Self {
            inner: RefCell::new(PlaneTrainer::new(parse_config(config)?).map_err(js_err)?),
        })
    }

    /// `new Plane(config)` on any backend: `{backend: "gpu"}` trains on WebGPU (refused with
    /// the reason where the page has none), `"cpu"` (the default) on the CPU.
    pub async fn create(config: JsValue) -> JsResult<Plane> {
        let trainer = PlaneTrainer::create(parse_config(config)?).await;
        Ok(Self {
            inner: RefCell::new(trainer.map_err(js_err)?),
        })
    }

    /// `"cpu"` or `"gpu"`: the backend that trains.
    pub fn backend(&self) -> JsResult<String> {
        Ok(self.write()?.backend().into())
    }

    /// The settings in use, every field filled in.
    pub fn config(&self) -> JsResult<JsValue> {
        to_js(self.read()?.config())
    }

    /// `n` optimizer steps; returns the last batch's loss. CPU planes only (see `stepAsync`).
    pub fn step(&mut self, n: usize) -> JsResult<f32> {
        self.inner.get_mut().step(n).map_err(js_err)
    }

    /// `step` on either backend: resolves to the last batch's loss once the steps' metrics and
    /// weights are read back.
    #[wasm_bindgen(js_name = stepAsync)]
    #[allow(clippy::await_holding_refcell_ref)] // the borrow is the point: see `Plane`
    pub async fn step_async(&self, n: usize) -> JsResult<f32> {
        let mut trainer = self.write()?;
        trainer.step_async(n).await.map_err(js_err)
    }

    /// Steps per pass over the training points.
    #[wasm_bindgen(js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> JsResult<usize> {
        Ok(self.read()?.steps_per_epoch())
    }

    /// Merge `changes` (`{kind, lr, l1, weight_decay, momentum, ...}`) into the optimizer
    /// settings from the next step on; resolves to the merged settings.
    #[wasm_bindgen(js_name = setOptimizer)]
    pub fn set_optimizer(&mut self, changes: JsValue) -> JsResult<JsValue> {
        let changes: serde_json::Value = super::from_js(changes).map_err(js_err)?;
        let inner = self.inner.get_mut();
        let merged = inner
            .config()
            .optimizer
            .with_changes(&changes)
            .map_err(js_err)?;
        inner.set_optimizer(merged).map_err(js_err)?;
        to_js(&merged)
    }

    /// `{step, trainLoss, testLoss, trainAccuracy, testAccuracy}` over the whole sets (the
    /// accuracies are `null` for a regression).
    pub fn metrics(&self) -> JsResult<JsValue> {
        let inner = self.read()?;
        let train = inner.train_metrics().map_err(js_err)?;
        let test = inner.test_metrics().map_err(js_err)?;
        let obj = Object::new();
        set(&obj, "step", &JsValue::from(inner.steps() as f64));
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
        let inner = self.read()?;
        let g = inner.grid(n).map_err(js_err)?;
        let obj = Object::new();
        set(&obj, "n", &JsValue::from(g.n as u32));
        set(
            &obj,
            "outputs",
            &JsValue::from(inner.config().outputs() as u32),
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
    pub fn points(&self) -> JsResult<JsValue> {
        let inner = self.read()?;
        let obj = Object::new();
        for (name, points) in [("train", &inner.train), ("test", &inner.test)] {
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
        Ok(obj.into())
    }

    /// Add a training point at `(x, y)` with a class (0, 1, ...) or a value in [-1, 1]. A batch
    /// capped by a small set grows with it (a GPU plane's at the next `stepAsync`).
    #[wasm_bindgen(js_name = addPoint)]
    pub fn add_point(&mut self, x: f32, y: f32, target: f32) -> JsResult<()> {
        self.inner.get_mut().add_point(x, y, target).map_err(js_err)
    }

    /// Every parameter tensor as `{name, shape, data}` (PyTorch `Linear` layout: weight
    /// `[out, in]`), in state_dict order.
    pub fn weights(&self) -> JsResult<Array> {
        Ok(self
            .read()?
            .model()
            .params
            .iter()
            .map(|p| tensor_to_js(&p.name, &p.tensor))
            .collect())
    }

    /// Every weight and bias as one flat list (a history snapshot), in `weights()` order.
    #[wasm_bindgen(js_name = paramsFlat)]
    pub fn params_flat(&self) -> JsResult<Float32Array> {
        Ok(Float32Array::from(&self.read()?.params_flat()[..]))
    }

    /// Put back a `paramsFlat()` list (the optimizer state is kept). CPU planes only.
    #[wasm_bindgen(js_name = setParamsFlat)]
    pub fn set_params_flat(&mut self, flat: &[f32]) -> JsResult<()> {
        self.inner.get_mut().set_params_flat(flat).map_err(js_err)
    }

    /// Show a `paramsFlat()` list (a kept snapshot) in `metrics`, `grid` and `weights` without
    /// training from it; no argument shows the live weights again. Either backend.
    #[wasm_bindgen(js_name = viewParamsFlat)]
    pub fn view_params_flat(&mut self, flat: Option<Vec<f32>>) -> JsResult<()> {
        let inner = self.inner.get_mut();
        inner.view_params_flat(flat.as_deref()).map_err(js_err)
    }

    /// The L2 norm of each parameter tensor's gradient at the last step, in `weights()` order.
    #[wasm_bindgen(js_name = gradNorms)]
    pub fn grad_norms(&self) -> JsResult<Float32Array> {
        Ok(Float32Array::from(self.read()?.grad_norms()))
    }
}
