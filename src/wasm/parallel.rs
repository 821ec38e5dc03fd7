//! The JavaScript surface of steps split across two workers (see `trainer::parallel`). The engine
//! worker's `Session` plans every step and owns the optimizer; a helper worker's `Session` (same
//! model, batch and validation split, so the same training set) is handed the weights and the
//! plan and computes its part of the batch. Only plain data crosses: typed arrays and numbers.
//!
//! One step, engine worker (www/workers/parallel.js):
//!     plan = await s.planStep(); params = await s.paramsFlat(buffer);
//!     helper <- {plan, params}  (it runs setParamsFlat, then gradients(plan, k, batch, params))
//!     await s.ownGradients(plan, 0, k);     (kept in this wasm memory, not copied out)
//!     await s.finishStepAdding(theirs);     (theirs added to ours, then the update)
//! The arrays are reused step after step (`out` arguments, written and read tensor by tensor),
//! the helper's either in shared memory or going back and forth as a transferred buffer.
//! `gradients` + `finishStep([part, ...])` take any number of parts (tests, other callers).
use super::session::Session;
use crate::cpu::PartMetrics;
use crate::error::{Error, Result};
use crate::tensor::Param;
use crate::trainer::{sum_parts, StepPlan};
use js_sys::{Array, Float32Array, Object, Promise, Reflect, Uint32Array};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    /// The other part's gradients, copied in from JavaScript for `finishStepAdding`.
    static OTHER_PART: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

fn field(obj: &JsValue, key: &str) -> Result<JsValue> {
    Reflect::get(obj, &key.into()).map_err(|_| Error::Config(format!("no '{key}' in {obj:?}")))
}

fn number(obj: &JsValue, what: &str, key: &str) -> Result<f64> {
    field(obj, key)?
        .as_f64()
        .ok_or_else(|| Error::Config(format!("{what}.{key} must be a number")))
}

fn count(obj: &JsValue, what: &str, key: &str) -> Result<u32> {
    let v = number(obj, what, key)?;
    if v.fract() != 0.0 || !(0.0..=u32::MAX as f64).contains(&v) {
        return Err(Error::Config(format!(
            "{what}.{key} must be a whole number, got {v}"
        )));
    }
    Ok(v as u32)
}

fn floats(obj: &JsValue, what: &str, key: &str) -> Result<Vec<f32>> {
    field(obj, key)?
        .dyn_into::<Float32Array>()
        .map(|a| a.to_vec())
        .map_err(|_| Error::Config(format!("{what}.{key} must be a Float32Array")))
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &key.into(), value);
}

fn plan_to_js(plan: &StepPlan) -> JsValue {
    let obj = Object::new();
    set(&obj, "indices", &Uint32Array::from(&plan.indices[..]));
    set(
        &obj,
        "transforms",
        &Float32Array::from(plan.transforms.as_flattened()),
    );
    set(&obj, "seed", &plan.seed.into());
    obj.into()
}

fn plan_from_js(value: &JsValue) -> Result<StepPlan> {
    let indices = field(value, "indices")?
        .dyn_into::<Uint32Array>()
        .map_err(|_| Error::Config("plan.indices must be a Uint32Array".into()))?
        .to_vec();
    let flat = floats(value, "plan", "transforms")?;
    if !flat.len().is_multiple_of(6) {
        return Err(Error::Shape(format!(
            "plan.transforms holds {} values, not 6 per sample",
            flat.len()
        )));
    }
    let transforms = flat
        .chunks_exact(6)
        .map(|t| t.try_into().expect("chunks of 6"))
        .collect();
    let seed = count(value, "plan", "seed")?;
    Ok(StepPlan {
        indices,
        transforms,
        seed,
    })
}

/// `values` in `out` when it has their length (a reused array: a fresh 400 kB one per step cost
/// ~0.35 ms in Chromium, ten times the copy), else in a new array.
fn fill(values: &[f32], out: Option<Float32Array>) -> Float32Array {
    match out {
        Some(out) if out.length() as usize == values.len() => {
            out.copy_from(values);
            out
        }
        _ => Float32Array::from(values),
    }
}

fn param_len(params: &[Param]) -> usize {
    params.iter().map(|p| p.tensor.data.len()).sum()
}

fn part_to_js(grads: Float32Array, m: PartMetrics) -> JsValue {
    let obj = Object::new();
    set(&obj, "grads", &grads);
    set(&obj, "lossSum", &m.loss_sum.into());
    set(&obj, "correct", &m.correct.into());
    set(&obj, "samples", &m.samples.into());
    obj.into()
}

fn part_metrics(part: &JsValue, what: &str) -> Result<PartMetrics> {
    Ok(PartMetrics {
        loss_sum: number(part, what, "lossSum")? as f32,
        correct: count(part, what, "correct")?,
        samples: count(part, what, "samples")?,
    })
}

fn metrics_to_js(m: PartMetrics) -> JsValue {
    let obj = Object::new();
    set(&obj, "lossSum", &m.loss_sum.into());
    set(&obj, "correct", &m.correct.into());
    set(&obj, "samples", &m.samples.into());
    obj.into()
}

/// The parts (`gradients` results) as plain data.
fn parts_from_js(parts: &Array) -> Result<Vec<(Vec<f32>, PartMetrics)>> {
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let what = format!("parts[{i}]");
            Ok((floats(&part, &what, "grads")?, part_metrics(&part, &what)?))
        })
        .collect()
}

#[wasm_bindgen]
impl Session {
    /// Draw the next step's batch without running it: `{indices: Uint32Array, transforms:
    /// Float32Array (6 per sample, or empty), seed}`. The batch is used up; `finishStep`
    /// records the step.
    #[wasm_bindgen(js_name = planStep)]
    pub fn plan_step(&self) -> Promise {
        self.run(|inner| async move {
            let plan = inner.lock().await.trainer.plan_step();
            Ok(plan_to_js(&plan))
        })
    }

    /// Samples `start..end` of `plan`'s batch: `{grads: Float32Array, lossSum, correct,
    /// samples}`, the part's share of the whole batch's mean-loss gradient (flat, state-dict
    /// order), written into `out` when it has the right length. Updates nothing. CPU only.
    pub fn gradients(
        &self,
        plan: JsValue,
        start: u32,
        end: u32,
        out: Option<Float32Array>,
    ) -> Promise {
        let plan = plan_from_js(&plan);
        self.run(move |inner| async move {
            let plan = plan?;
            let part = start as usize..end as usize;
            let mut inner = inner.lock().await;
            let trainer = &mut inner.trainer;
            // Into `out` tensor by tensor when it fits: no flat copy in between (every step).
            if let Some(out) = out.filter(|o| {
                trainer
                    .cpu_params()
                    .is_ok_and(|p| o.length() as usize == param_len(p))
            }) {
                let metrics = trainer.keep_part_gradients(&plan, part)?;
                let mut at = 0;
                for g in trainer.part_grads()? {
                    out.subarray(at, at + g.len() as u32).copy_from(g);
                    at += g.len() as u32;
                }
                return Ok(part_to_js(out, metrics));
            }
            let (grads, metrics) = trainer.part_gradients(&plan, part)?;
            Ok(part_to_js(fill(&grads, None), metrics))
        })
    }

    /// Samples `start..end` of `plan`'s batch, their gradients kept in this worker's wasm
    /// memory for `finishStepAdding` (the engine worker's own part): resolves to the part's
    /// `{lossSum, correct, samples}`. Updates nothing. CPU only.
    #[wasm_bindgen(js_name = ownGradients)]
    pub fn own_gradients(&self, plan: JsValue, start: u32, end: u32) -> Promise {
        let plan = plan_from_js(&plan);
        self.run(move |inner| async move {
            let plan = plan?;
            let part = start as usize..end as usize;
            let metrics = inner
                .lock()
                .await
                .trainer
                .keep_part_gradients(&plan, part)?;
            Ok(metrics_to_js(metrics))
        })
    }

    /// Finish the planned step with the kept part (`ownGradients`) plus `other` (a `gradients`
    /// result: the rest of the batch): like `finishStep([mine, other])`.
    #[wasm_bindgen(js_name = finishStepAdding)]
    pub fn finish_step_adding(&self, other: JsValue) -> Promise {
        let other = field(&other, "grads")
            .and_then(|g| {
                g.dyn_into::<Float32Array>()
                    .map_err(|_| Error::Config("other.grads must be a Float32Array".into()))
            })
            .and_then(|g| Ok((g, part_metrics(&other, "other")?)));
        self.run(move |inner| async move {
            let (grads, metrics) = other?;
            // Into a buffer kept from step to step rather than a fresh 400 kB Vec each time:
            // every two-worker step comes through here.
            let mut inner = inner.lock().await;
            OTHER_PART.with(|buf| {
                let mut buf = buf.borrow_mut();
                buf.resize(grads.length() as usize, 0.0);
                grads.copy_to(&mut buf);
                inner.trainer.finish_step_adding(&buf, metrics)
            })?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Finish the planned step with its parts (`gradients` results, in part order): their sum
    /// goes through the optimizer and the step is recorded like a `train` step.
    #[wasm_bindgen(js_name = finishStep)]
    pub fn finish_step(&self, parts: Array) -> Promise {
        let summed = parts_from_js(&parts).and_then(sum_parts);
        self.run(move |inner| async move {
            let (grads, metrics) = summed?;
            inner.lock().await.trainer.finish_step(&grads, metrics)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Every parameter, flat in state-dict order (the layout of `gradients`), written into
    /// `out` when it has the right length.
    #[wasm_bindgen(js_name = paramsFlat)]
    pub fn params_flat(&self, out: Option<Float32Array>) -> Promise {
        self.run(|inner| async move {
            let mut inner = inner.lock().await;
            // On the CPU: one copy, straight from the tensors into the array that is sent.
            if let Ok(params) = inner.trainer.cpu_params() {
                let total = params.iter().map(|p| p.tensor.data.len()).sum::<usize>();
                let out = match out {
                    Some(out) if out.length() as usize == total => out,
                    _ => Float32Array::new_with_length(total as u32),
                };
                let mut at = 0;
                for p in params {
                    let n = p.tensor.data.len() as u32;
                    out.subarray(at, at + n).copy_from(&p.tensor.data);
                    at += n;
                }
                return Ok(out.into());
            }
            let flat = inner.trainer.params_flat().await?;
            Ok(fill(&flat, out).into())
        })
    }

    /// Replace every parameter from a `paramsFlat` vector (optimizer state restarts).
    #[wasm_bindgen(js_name = setParamsFlat)]
    pub fn set_params_flat(&self, flat: Float32Array) -> Promise {
        self.run(move |inner| async move {
            let mut inner = inner.lock().await;
            let trainer = &mut inner.trainer;
            // On the CPU: straight into the tensors (a helper worker does this every step).
            if trainer
                .cpu_params()
                .is_ok_and(|p| flat.length() as usize == param_len(p))
            {
                let mut at = 0;
                for p in trainer.cpu_params_to_overwrite()? {
                    let n = p.tensor.data.len() as u32;
                    flat.subarray(at, at + n).copy_to(&mut p.tensor.data);
                    at += n;
                }
                return Ok(JsValue::UNDEFINED);
            }
            trainer.set_params_flat(&flat.to_vec())?;
            Ok(JsValue::UNDEFINED)
        })
    }
}
