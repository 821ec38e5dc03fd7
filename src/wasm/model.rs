//! `Model`: a trained network for prediction only (see [`crate::cpu::Inference`]). Synchronous:
//! one image's forward pass on the CPU takes well under a millisecond for the presets, so the
//! drawing pad calls it on every stroke without a Promise.
//!
//! ```js
//! const model = Model.fromSpec(presetSpec("mlp"), await session.paramsFlat());
//! model.predict(pixels);          // Float32Array(10), probabilities
//! model.setWeights(await session.paramsFlat());
//! const other = Model.fromSafetensors(bytes);
//! ```
use super::session::activations_to_js;
use super::{js_err, to_js};
use crate::backend::softmax_rows;
use crate::cpu::Inference;
use crate::error::Error;
use crate::explain::{
    nudge, saliency, unit_values, unit_wants, Method, NudgeConfig, Saliency, UnitConfig,
};
use crate::spec::ModelSpec;
use crate::weights;
use js_sys::{Array, Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;

type JsResult<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
pub struct Model {
    inner: Inference,
}

#[wasm_bindgen]
impl Model {
    /// `spec` as `presetSpec` returns it; `weights` flat in state-dict order, as
    /// `Session.paramsFlat` gives them.
    #[wasm_bindgen(js_name = fromSpec)]
    pub fn from_spec(spec: JsValue, weights: &[f32]) -> JsResult<Model> {
        let spec: ModelSpec =
            serde_wasm_bindgen::from_value(spec).map_err(|e| js_err(Error::Spec(e.to_string())))?;
        let inner = Inference::from_flat(&spec, weights).map_err(js_err)?;
        Ok(Model { inner })
    }

    /// The model of a `.safetensors` file; its spec comes from the file (as `inspectWeights`).
    #[wasm_bindgen(js_name = fromSafetensors)]
    pub fn from_safetensors(bytes: &[u8]) -> JsResult<Model> {
        let inner = Inference::from_safetensors(bytes).map_err(js_err)?;
        Ok(Model { inner })
    }

    /// New weights for the same model, in the layout of `fromSpec`.
    #[wasm_bindgen(js_name = setWeights)]
    pub fn set_weights(&mut self, weights: &[f32]) -> JsResult<()> {
        self.inner.set_flat(weights).map_err(js_err)
    }

    /// Ten class probabilities for 784 pixels in [0, 1].
    pub fn predict(&mut self, pixels: &[f32]) -> JsResult<Float32Array> {
        let probs = self.inner.probabilities(pixels).map_err(js_err)?;
        Ok(Float32Array::from(&probs[..]))
    }

    /// The ten raw network outputs (before the softmax).
    pub fn logits(&mut self, pixels: &[f32]) -> JsResult<Float32Array> {
        let logits = self.inner.logits(pixels).map_err(js_err)?;
        Ok(Float32Array::from(&logits[..]))
    }

    /// Every layer's output: `[{name, shape, data}]`, name like "0 conv2d" (as
    /// `Session.activations`).
    pub fn activations(&mut self, pixels: &[f32]) -> JsResult<Array> {
        let outputs = self.inner.activations(pixels).map_err(js_err)?;
        Ok(activations_to_js(&self.inner.spec().layers, &outputs))
    }

    /// `d logit[targets[k]] / d pixels_k` for `targets.length` images of 784 pixels each:
    /// the model's backward pass run down to the input. `Float32Array(n * 784)`.
    #[wasm_bindgen(js_name = inputGradient)]
    pub fn input_gradient(&mut self, pixels: &[f32], targets: &[u32]) -> JsResult<Float32Array> {
        let targets: Vec<usize> = targets.iter().map(|&t| t as usize).collect();
        let out = self
            .inner
            .input_gradient(pixels, &targets)
            .map_err(js_err)?;
        Ok(Float32Array::from(&out.gradient[..]))
    }

    /// A saliency map: `{values: Float32Array(784), target, probabilities}`. `method` is
    /// "gradient", "smoothgrad" or "integrated"; `target` defaults to the predicted class.
    pub fn saliency(
        &mut self,
        pixels: &[f32],
        method: &str,
        target: Option<u32>,
    ) -> JsResult<Object> {
        let method = Method::parse(method).map_err(js_err)?;
        let map = saliency(&mut self.inner, pixels, method, target.map(|t| t as usize))
            .map_err(js_err)?;
        Ok(saliency_to_js(map))
    }

    /// The adversarial nudge toward `target` within an L-infinity budget of at most `maxEps`:
    /// `{success, eps, pixels: Float32Array(784), probabilities: Float32Array(10)}`, `eps` the
    /// smallest budget that sufficed.
    pub fn adversarial(&mut self, pixels: &[f32], target: u32, max_eps: f32) -> JsResult<Object> {
        let found = nudge(
            &mut self.inner,
            pixels,
            target as usize,
            NudgeConfig::new(max_eps),
        )
        .map_err(js_err)?;
        let obj = Object::new();
        set(&obj, "success", &found.success.into());
        set(&obj, "eps", &found.eps.into());
        set(&obj, "pixels", &Float32Array::from(&found.pixels[..]));
        set(
            &obj,
            "probabilities",
            &Float32Array::from(&found.probabilities[..]),
        );
        Ok(obj)
    }

    /// What unit (or conv channel) `index` of layer `layer` wants: gradient ascent on the input
    /// from noise with a small L2 penalty. `{pixels: Float32Array(784), value, startValue}`.
    #[wasm_bindgen(js_name = unitWants)]
    pub fn unit_wants(&mut self, layer: usize, index: usize) -> JsResult<Object> {
        let wants =
            unit_wants(&mut self.inner, layer, index, UnitConfig::default()).map_err(js_err)?;
        let obj = Object::new();
        set(&obj, "pixels", &Float32Array::from(&wants.pixels[..]));
        set(&obj, "value", &wants.value.into());
        set(&obj, "startValue", &wants.start_value.into());
        Ok(obj)
    }

    /// Unit (or conv channel) `index` of layer `layer` on each of `n` images (`[n, 784]`):
    /// forward passes only, so the page can rank test images by what excites the unit.
    #[wasm_bindgen(js_name = unitValues)]
    pub fn unit_values(
        &mut self,
        images: &[f32],
        layer: usize,
        index: usize,
    ) -> JsResult<Float32Array> {
        let values = unit_values(&mut self.inner, images, layer, index).map_err(js_err)?;
        Ok(Float32Array::from(&values[..]))
    }

    pub fn spec(&self) -> JsResult<JsValue> {
        to_js(self.inner.spec())
    }

    #[wasm_bindgen(js_name = parameterCount)]
    pub fn parameter_count(&self) -> usize {
        self.inner.parameter_count()
    }
}

/// `{values: Float32Array(784), target, probabilities: Float32Array(10)}`.
pub(super) fn saliency_to_js(map: Saliency) -> Object {
    let mut probabilities = map.logits;
    softmax_rows(&mut probabilities);
    let obj = Object::new();
    set(&obj, "values", &Float32Array::from(&map.values[..]));
    set(&obj, "target", &(map.target as u32).into());
    set(
        &obj,
        "probabilities",
        &Float32Array::from(&probabilities[..]),
    );
    obj
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &key.into(), value);
}

/// The spec of a preset (`"mlp"` or `"cnn"`) as a plain object.
#[wasm_bindgen(js_name = presetSpec)]
pub fn preset_spec(name: &str) -> std::result::Result<JsValue, JsValue> {
    to_js(&ModelSpec::preset(name).map_err(js_err)?)
}

/// Check a spec object; resolves to its parameter count or throws a readable error.
#[wasm_bindgen(js_name = checkSpec)]
pub fn check_spec(spec: JsValue) -> std::result::Result<usize, JsValue> {
    let spec: ModelSpec =
        serde_wasm_bindgen::from_value(spec).map_err(|e| js_err(Error::Spec(e.to_string())))?;
    spec.parameter_count().map_err(js_err)
}

/// Read the spec out of a `.safetensors` file, validating the whole file.
#[wasm_bindgen(js_name = inspectWeights)]
pub fn inspect_weights(bytes: &[u8]) -> std::result::Result<JsValue, JsValue> {
    let (spec, _) = weights::from_safetensors(bytes).map_err(js_err)?;
    to_js(&spec)
}

/// Which model a `.safetensors` file is for (see [`weights::resolve`]): its own metadata; else,
/// for a bare PyTorch state dict, the current model (`current`, a spec object or null) when the
/// names and shapes are exactly its, else the `nn.Sequential` inferred from the tensors. Returns
/// `{spec, source: 'metadata'|'current'|'inferred', note, assumptions, bytes}`, `bytes` being the
/// file rewritten with our metadata, which `Session.create` and `loadSafetensors` take; throws the
/// names-and-shapes message when nothing fits.
#[wasm_bindgen(js_name = resolveWeights)]
pub fn resolve_weights(bytes: &[u8], current: JsValue) -> JsResult<JsValue> {
    let current: Option<ModelSpec> = if current.is_null() || current.is_undefined() {
        None
    } else {
        Some(
            serde_wasm_bindgen::from_value(current)
                .map_err(|e| js_err(Error::Spec(e.to_string())))?,
        )
    };
    let found = weights::resolve(bytes, current.as_ref()).map_err(js_err)?;
    let (source, assumptions) = match &found.source {
        weights::Source::Metadata => ("metadata", Vec::new()),
        weights::Source::Current => ("current", Vec::new()),
        weights::Source::Inferred(a) => ("inferred", a.clone()),
    };
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        spec: &'a ModelSpec,
        source: &'a str,
        note: String,
        assumptions: Vec<String>,
    }
    let answer = to_js(&Answer {
        spec: &found.spec,
        source,
        note: found.note(),
        assumptions,
    })?;
    let file = weights::to_safetensors(&found.spec, &found.params).map_err(js_err)?;
    js_sys::Reflect::set(
        &answer,
        &"bytes".into(),
        &js_sys::Uint8Array::from(&file[..]),
    )?;
    Ok(answer)
}
