//! `Session`'s data methods: swap in a grown training set, the user's own examples and their
//! share of each batch (see `crate::trainer::TrainData`).
use super::{to_js, Dataset, Session};
use crate::data::mnist::Mnist;
use crate::error::Error;
use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// What changed with the data: the sizes `info()` reported at creation, as they are now.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DataSizes {
    train_size: usize,
    validation_size: usize,
    steps_per_epoch: usize,
    own_examples: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OwnCounts {
    own: u64,
    samples: u64,
}

fn sizes(t: &crate::trainer::Trainer) -> DataSizes {
    DataSizes {
        train_size: t.train.len(),
        validation_size: t.validation.len(),
        steps_per_epoch: t.steps_per_epoch(),
        own_examples: t.own_examples().len(),
    }
}

#[wasm_bindgen]
impl Session {
    /// Train on `data`'s training set from the next step, keeping the weights, the optimizer and
    /// the step count; resolves to `{trainSize, validationSize, stepsPerEpoch, ownExamples}`.
    #[wasm_bindgen(js_name = replaceData)]
    pub fn replace_data(&self, data: &Dataset) -> Promise {
        let data = data.clone();
        self.run(move |inner| async move {
            let mut inner = inner.lock().await;
            inner.trainer.replace_data(&data.train)?;
            to_js(&sizes(&inner.trainer)).map_err(|_| Error::Config("sizes".into()))
        })
    }

    /// The user's own examples: `images` 784 bytes (0-255) each, one label (0-9) each. Replaces
    /// any before; resolves to the sizes as `replaceData` does.
    #[wasm_bindgen(js_name = setOwnExamples)]
    pub fn set_own_examples(&self, images: Vec<u8>, labels: Vec<u8>) -> Promise {
        self.run(move |inner| async move {
            let mut inner = inner.lock().await;
            inner.trainer.set_own_examples(Mnist { images, labels })?;
            to_js(&sizes(&inner.trainer)).map_err(|_| Error::Config("sizes".into()))
        })
    }

    /// The share of each batch drawn from the own examples, in [0, 1].
    #[wasm_bindgen(js_name = setOwnShare)]
    pub fn set_own_share(&self, share: f32) -> Promise {
        self.run(move |inner| async move {
            inner.lock().await.trainer.set_own_share(share)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `{own, samples}`: own examples and all samples put into batches so far.
    #[wasm_bindgen(js_name = ownCounts)]
    pub fn own_counts(&self) -> Promise {
        self.run(|inner| async move {
            let (own, samples) = inner.lock().await.trainer.own_counts();
            to_js(&OwnCounts { own, samples }).map_err(|_| Error::Config("counts".into()))
        })
    }
}
