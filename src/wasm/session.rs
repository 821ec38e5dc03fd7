//! `Session`: a model being trained on one backend, for the engine Web Worker.
//!
//! Calls may overlap (a prediction while training awaits metrics), so the session lives behind an
//! async mutex and each call queues for it instead of panicking on a busy borrow.
use super::model::saliency_to_js;
use super::{from_js, spawn, tensor_to_js, to_js, Dataset};
use crate::backend::{Backend, BackendInfo};
use crate::data::mnist::Mnist;
use crate::engine::{build_engine, BackendChoice};
use crate::error::{Error, Result};
use crate::explain::{backend_saliency, Method};
use crate::init::init_params;
use crate::optim::OptimizerConfig;
use crate::spec::ModelSpec;
use crate::tensor::Tensor;
use crate::trainer::{Augment, Trainer, TrainerConfig};
use crate::weights;
use futures_util::lock::Mutex;
use js_sys::{Array, Float32Array, Promise, Uint8Array};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[derive(Deserialize)]
#[serde(untagged)]
enum ModelChoice {
    Preset(String),
    Spec(ModelSpec),
}

#[derive(Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SessionConfig {
    model: ModelChoice,
    backend: String,
    batch: usize,
    optimizer: OptimizerConfig,
    seed: u64,
    shuffle: bool,
    augment: Augment,
    validation: f32,
    /// The learning-rate schedule (src/schedule.rs), as JSON: checked by `Schedule::from_json`.
    schedule: Option<serde_json::Value>,
}

impl Default for SessionConfig {
    fn default() -> Self {
        let t = TrainerConfig::default();
        Self {
            model: ModelChoice::Preset("mlp".into()),
            backend: "auto".into(),
            batch: t.batch,
            optimizer: t.optimizer,
            seed: t.seed,
            shuffle: t.shuffle,
            augment: t.augment,
            validation: 0.1,
            schedule: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionInfo {
    #[serde(flatten)]
    backend: BackendInfo,
    /// Why the GPU was not used, when `auto` fell back to the CPU.
    gpu_unavailable: Option<String>,
    spec: ModelSpec,
    parameters: usize,
    batch: usize,
    steps_per_epoch: usize,
    train_size: usize,
    validation_size: usize,
    test_size: usize,
}

/// What `setOptimizer` resolves to.
#[derive(Serialize)]
struct OptimizerApplied {
    step: u64,
    optimizer: OptimizerConfig,
    requested: serde_json::Value,
}

pub(crate) struct Inner {
    pub(crate) trainer: Trainer,
    test: Rc<Mnist>,
}

/// A model being trained on one backend.
#[wasm_bindgen]
pub struct Session {
    pub(crate) inner: Rc<Mutex<Inner>>,
    info: JsValue,
}

#[wasm_bindgen]
impl Session {
    /// `Session.create(config, dataset, weights?)` resolves to a ready Session. `weights` is a
    /// `.safetensors` file; its embedded spec then replaces `config.model`.
    pub fn create(config: JsValue, data: &Dataset, weights: Option<Uint8Array>) -> Promise {
        let data = data.clone();
        let weights = weights.map(|w| w.to_vec());
        let parsed: std::result::Result<SessionConfig, _> =
            if config.is_undefined() || config.is_null() {
                Ok(SessionConfig::default())
            } else {
                serde_wasm_bindgen::from_value(config)
            };
        spawn(async move {
            let config = parsed.map_err(|e| Error::Config(e.to_string()))?;
            let schedule = match &config.schedule {
                Some(s) => crate::schedule::Schedule::from_json(s)?,
                None => Default::default(),
            };
            let (spec, params) = match weights {
                Some(bytes) => weights::from_safetensors(&bytes)?,
                None => {
                    let spec = match config.model {
                        ModelChoice::Preset(name) => ModelSpec::preset(&name)?,
                        ModelChoice::Spec(spec) => spec,
                    };
                    let params = init_params(&spec, config.seed)?;
                    (spec, params)
                }
            };
            spec.shapes()?;
            let choice = BackendChoice::parse(&config.backend)?;
            let (engine, gpu_unavailable) =
                build_engine(choice, &spec, &params, config.batch).await?;
            let backend = engine.info();
            let trainer_config = TrainerConfig {
                batch: config.batch,
                optimizer: config.optimizer,
                seed: config.seed,
                shuffle: config.shuffle,
                augment: config.augment,
                validation: config.validation,
            };
            let is_gpu = matches!(engine, crate::engine::Engine::Gpu(_));
            let mut trainer = Trainer::new(engine, spec.clone(), trainer_config, &data.train)?;
            if is_gpu {
                // A GPU engine's weights cannot be read back synchronously: hand the trainer
                // the starting ones as the first rollback point (a CPU engine has them already).
                trainer.set_rollback_point(params);
            }
            trainer.set_schedule(schedule)?;
            // The run's first snapshot (src/trainer/snapshots.rs): the starting state.
            trainer.snapshot_start().await?;
            let info = SessionInfo {
                backend,
                gpu_unavailable,
                parameters: spec.parameter_count()?,
                spec,
                batch: config.batch,
                steps_per_epoch: trainer.steps_per_epoch(),
                train_size: trainer.train.len(),
                validation_size: trainer.validation.len(),
                test_size: data.test.len(),
            };
            let info = to_js(&info).map_err(|_| Error::Config("info".into()))?;
            let inner = Inner {
                trainer,
                test: data.test.clone(),
            };
            Ok(Session {
                inner: Rc::new(Mutex::new(inner)),
                info,
            }
            .into())
        })
    }

    /// Backend, adapter, spec, sizes: fixed for the session's life.
    pub fn info(&self) -> JsValue {
        self.info.clone()
    }

    pub(crate) fn run<F, Fut>(&self, job: F) -> Promise
    where
        F: FnOnce(Rc<Mutex<Inner>>) -> Fut + 'static,
        Fut: Future<Output = Result<JsValue>> + 'static,
    {
        spawn(job(self.inner.clone()))
    }

    /// Merge `changes` (e.g. `{lr: 0.01}`) into the optimizer settings. Resolves to what was
    /// applied: `{step, optimizer, requested}`, where `step` is the `step` of the first metrics
    /// record that runs with the new settings, `optimizer` every setting now in use (numbers as
    /// the engine holds them, f32: `lr` 0.01 reads 0.009999999776482582) and `requested` the
    /// `changes` as given. An unknown or invalid setting rejects and nothing changes.
    #[wasm_bindgen(js_name = setOptimizer)]
    pub fn set_optimizer(&self, changes: JsValue) -> Promise {
        let changes: Result<serde_json::Value> = from_js(changes);
        self.run(|inner| async move {
            let requested = changes?;
            let mut inner = inner.lock().await;
            let optimizer = inner.trainer.config().optimizer.with_changes(&requested)?;
            let step = inner.trainer.set_optimizer(optimizer)?;
            let applied = OptimizerApplied {
                step,
                optimizer,
                requested,
            };
            to_js(&applied).map_err(|_| Error::Config("optimizer".into()))
        })
    }

    #[wasm_bindgen(js_name = setAugment)]
    pub fn set_augment(&self, augment: JsValue) -> Promise {
        self.run(|inner| async move {
            let augment: Augment = serde_wasm_bindgen::from_value(augment)
                .map_err(|e| Error::Config(e.to_string()))?;
            inner.lock().await.trainer.set_augment(augment)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Enqueue `steps` training steps (on the GPU nothing waits; on the CPU they run now).
    pub fn train(&self, steps: u32) -> Promise {
        self.run(move |inner| async move {
            let mut inner = inner.lock().await;
            for _ in 0..steps {
                inner.trainer.step()?;
            }
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Metrics of the steps since the last call: `[{step, epoch, loss, accuracy, lr}]`. Rejects,
    /// after rolling the weights back, when the loss stopped being finite.
    pub fn metrics(&self) -> Promise {
        self.run(|inner| async move {
            let records = inner.lock().await.trainer.poll().await?;
            to_js(&records).map_err(|_| Error::Config("metrics".into()))
        })
    }

    /// `which` is "validation", "test" or "own" (the own examples); resolves to `{n, loss, accuracy, confusion, mistakes}`.
    pub fn evaluate(&self, which: String, limit: Option<u32>) -> Promise {
        self.run(move |inner| async move {
            let mut guard = inner.lock().await;
            let inner = &mut *guard;
            let limit = limit.map(|l| l as usize).unwrap_or(usize::MAX);
            let eval = match which.as_str() {
                "test" => {
                    let test = inner.test.clone();
                    inner.trainer.evaluate(&test, limit).await?
                }
                "validation" => {
                    let validation = inner.trainer.validation.clone();
                    inner.trainer.evaluate(&validation, limit).await?
                }
                "own" => {
                    let own = inner.trainer.own_examples().clone();
                    inner.trainer.evaluate(&own, limit).await?
                }
                other => {
                    return Err(Error::Config(format!(
                        "unknown set '{other}' (validation, test or own)"
                    )))
                }
            };
            to_js(&eval).map_err(|_| Error::Config("evaluation".into()))
        })
    }

    /// Ten class probabilities for 784 pixels in [0, 1].
    pub fn predict(&self, pixels: Vec<f32>) -> Promise {
        self.run(move |inner| async move {
            let probs = inner.lock().await.trainer.predict(&pixels).await?;
            Ok(Float32Array::from(&probs[..]).into())
        })
    }

    /// A saliency map from this session's backend (the GPU's backward pass on the GPU):
    /// `{values: Float32Array(784), target, probabilities}`, like the inference `Model`'s.
    pub fn saliency(&self, pixels: Vec<f32>, method: String, target: Option<u32>) -> Promise {
        self.run(move |inner| async move {
            let method = Method::parse(&method)?;
            let target = target.map(|t| t as usize);
            let mut inner = inner.lock().await;
            let map = backend_saliency(inner.trainer.engine(), &pixels, method, target).await?;
            Ok(saliency_to_js(map).into())
        })
    }

    /// Every layer's output for one image: `[{name, shape, data}]`, name like "0 conv2d".
    pub fn activations(&self, pixels: Vec<f32>) -> Promise {
        self.run(move |inner| async move {
            let mut inner = inner.lock().await;
            let layers = inner.trainer.spec().layers.clone();
            let outputs = inner.trainer.activations(&pixels).await?;
            Ok(activations_to_js(&layers, &outputs).into())
        })
    }

    /// Gradient flow at the latest step: `[{name, grad_norm, weight_norm, update_norm}]`.
    #[wasm_bindgen(js_name = layerStats)]
    pub fn layer_stats(&self) -> Promise {
        self.run(|inner| async move {
            let stats = inner.lock().await.trainer.layer_stats().await?;
            to_js(&stats).map_err(|_| Error::Config("stats".into()))
        })
    }

    /// All parameter tensors: `[{name, shape, data}]` in state-dict order.
    pub fn params(&self) -> Promise {
        self.run(|inner| async move {
            let params = inner.lock().await.trainer.engine().read_params().await?;
            Ok(params
                .iter()
                .map(|p| tensor_to_js(&p.name, &p.tensor))
                .collect::<Array>()
                .into())
        })
    }

    /// The model as `.safetensors` bytes (PyTorch state-dict names, spec in the metadata).
    #[wasm_bindgen(js_name = exportSafetensors)]
    pub fn export_safetensors(&self) -> Promise {
        self.run(|inner| async move {
            let mut inner = inner.lock().await;
            let spec = inner.trainer.spec().clone();
            let params = inner.trainer.engine().read_params().await?;
            let bytes = weights::to_safetensors(&spec, &params)?;
            Ok(Uint8Array::from(&bytes[..]).into())
        })
    }

    /// The model as ONNX bytes (opset 13; see `crate::onnx`).
    #[wasm_bindgen(js_name = exportOnnx)]
    pub fn export_onnx(&self) -> Promise {
        self.run(|inner| async move {
            let mut inner = inner.lock().await;
            let spec = inner.trainer.spec().clone();
            let params = inner.trainer.engine().read_params().await?;
            let bytes = crate::onnx::to_onnx(&spec, &params)?;
            Ok(Uint8Array::from(&bytes[..]).into())
        })
    }

    /// Load weights for the same architecture; a file for another model is refused (create a
    /// new session with it instead) and the current weights stay.
    #[wasm_bindgen(js_name = loadSafetensors)]
    pub fn load_safetensors(&self, bytes: Vec<u8>) -> Promise {
        self.run(move |inner| async move {
            let mut inner = inner.lock().await;
            let (spec, params) = weights::from_safetensors(&bytes)?;
            if &spec != inner.trainer.spec() {
                return Err(Error::Weights(
                    "the file holds a different model than this session".into(),
                ));
            }
            inner.trainer.load_params(&params)?;
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// Layer outputs as `[{name, shape, data}]`, named like "0 conv2d".
pub(super) fn activations_to_js(layers: &[crate::spec::LayerSpec], outputs: &[Tensor]) -> Array {
    outputs
        .iter()
        .zip(layers)
        .enumerate()
        .map(|(i, (t, layer))| tensor_to_js(&format!("{i} {}", layer.kind_name()), t))
        .collect()
}

/// Run the engine's own checks of session settings (src/limits.rs) without building anything:
/// returns nothing or throws the message the engine would give. The page validates first
/// (www/js/settings.js); tests/e2e/setting_limits.test.mjs checks that both agree.
#[wasm_bindgen(js_name = checkSettings)]
pub fn check_settings(config: JsValue) -> std::result::Result<(), JsValue> {
    let c: SessionConfig = serde_wasm_bindgen::from_value(config)
        .map_err(|e| super::js_err(Error::Config(e.to_string())))?;
    let trainer = TrainerConfig {
        batch: c.batch,
        optimizer: c.optimizer,
        seed: c.seed,
        shuffle: c.shuffle,
        augment: c.augment,
        validation: c.validation,
    };
    crate::limits::check_trainer(&trainer)
        .and_then(|()| trainer.optimizer.validate())
        .and_then(|()| match &c.schedule {
            Some(s) => crate::schedule::Schedule::from_json(s).map(|_| ()),
            None => Ok(()),
        })
        .map_err(super::js_err)
}
