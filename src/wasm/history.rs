//! `Session`'s methods for the run through time: the learning-rate schedule, the kept snapshots
//! (`history`, `snapshotWeights`, `resumeFrom`), early stopping's best weights (`keepBest`, `restoreBest`). Conversions only;
//! the logic is in src/schedule.rs and src/trainer/snapshots.rs.
use super::{from_js, to_js, Session};
use crate::error::Error;
use crate::schedule::Schedule;
use crate::tensor::flatten;
use js_sys::{Float32Array, Object, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryInfo {
    snapshots: Vec<crate::trainer::SnapshotInfo>,
    bytes: usize,
    cap_bytes: usize,
}

#[wasm_bindgen]
impl Session {
    /// Follow `schedule` (`{kind: 'constant' | 'step' | 'cosine' | 'warmup_cosine' | 'onecycle',
    /// ...}`, see src/schedule.rs) from the next step; resolves to that step.
    #[wasm_bindgen(js_name = setSchedule)]
    pub fn set_schedule(&self, schedule: JsValue) -> js_sys::Promise {
        let parsed: crate::error::Result<serde_json::Value> = from_js(schedule);
        self.run(|inner| async move {
            let schedule = Schedule::from_json(&parsed?)?;
            let step = inner.lock().await.trainer.set_schedule(schedule)?;
            Ok(JsValue::from_f64(step as f64))
        })
    }

    /// The kept snapshots `{snapshots: [{step, epoch, loss}], bytes, capBytes}`.
    pub fn history(&self) -> js_sys::Promise {
        self.run(|inner| async move {
            let inner = inner.lock().await;
            let h = inner.trainer.snapshots();
            let info = HistoryInfo {
                snapshots: h.list(),
                bytes: h.bytes(),
                cap_bytes: h.cap(),
            };
            to_js(&info).map_err(|_| Error::Config("history".into()))
        })
    }

    /// Cap the snapshots' memory at `bytes` (0 keeps none); thins at once.
    #[wasm_bindgen(js_name = setHistoryCap)]
    pub fn set_history_cap(&self, bytes: f64) -> js_sys::Promise {
        self.run(move |inner| async move {
            if !(bytes.is_finite() && bytes >= 0.0) {
                return Err(Error::Config(format!(
                    "history cap {bytes} is not a byte count"
                )));
            }
            inner.lock().await.trainer.set_snapshot_cap(bytes as usize);
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The kept snapshot nearest to `step`: `{step, epoch, loss, weights: Float32Array}` (the
    /// `paramsFlat` layout, for the predictor).
    #[wasm_bindgen(js_name = snapshotWeights)]
    pub fn snapshot_weights(&self, step: f64) -> js_sys::Promise {
        self.run(move |inner| async move {
            let inner = inner.lock().await;
            let (info, params) = inner.trainer.snapshot_params(step.max(0.0) as u64)?;
            let obj: Object = to_js(&info)
                .map_err(|_| Error::Config("snapshot".into()))?
                .into();
            let weights = Float32Array::from(&flatten(params)[..]);
            Reflect::set(&obj, &"weights".into(), &weights).expect("a plain object");
            Ok(obj.into())
        })
    }

    /// Branch the run at the kept snapshot nearest to `step` (weights, optimizer state, batch
    /// order, generator); resolves to `{step, epoch, loss}` of that snapshot.
    #[wasm_bindgen(js_name = resumeFrom)]
    pub fn resume_from(&self, step: f64) -> js_sys::Promise {
        self.run(move |inner| async move {
            let info = inner
                .lock()
                .await
                .trainer
                .resume_from(step.max(0.0) as u64)
                .await?;
            to_js(&info).map_err(|_| Error::Config("snapshot".into()))
        })
    }

    /// Early stopping: remember the current weights as the best; resolves to their step.
    #[wasm_bindgen(js_name = keepBest)]
    pub fn keep_best(&self) -> js_sys::Promise {
        self.run(|inner| async move {
            let step = inner.lock().await.trainer.keep_best().await?;
            Ok(JsValue::from_f64(step as f64))
        })
    }

    /// Early stopping: put the best weights back; resolves to their step.
    #[wasm_bindgen(js_name = restoreBest)]
    pub fn restore_best(&self) -> js_sys::Promise {
        self.run(|inner| async move {
            let step = inner.lock().await.trainer.restore_best()?;
            Ok(JsValue::from_f64(step as f64))
        })
    }
}
