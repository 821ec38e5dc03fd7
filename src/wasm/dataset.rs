//! `Dataset`: MNIST from IDX bytes, shared by training sessions and the labs.
use super::js_err;
use crate::data::mnist::Mnist;
use js_sys::Float32Array;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// MNIST train and test sets, parsed once from IDX bytes (gzip or raw).
#[wasm_bindgen]
#[derive(Clone)]
pub struct Dataset {
    pub(crate) train: Rc<Mnist>,
    pub(crate) test: Rc<Mnist>,
}

#[wasm_bindgen]
impl Dataset {
    #[wasm_bindgen(js_name = fromIdx)]
    pub fn from_idx(
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> std::result::Result<Dataset, JsValue> {
        let train = Mnist::from_idx(train_images, train_labels).map_err(js_err)?;
        let test = Mnist::from_idx(test_images, test_labels).map_err(js_err)?;
        Ok(Self {
            train: Rc::new(train),
            test: Rc::new(test),
        })
    }

    /// This dataset's training set grown to the whole file (`train_images`, `train_labels`):
    /// the whole set in an order that starts with this one's (see `Mnist::starting_with`), so
    /// a sample index keeps its image; the test set stays.
    #[wasm_bindgen(js_name = grownTo)]
    pub fn grown_to(
        &self,
        train_images: &[u8],
        train_labels: &[u8],
    ) -> std::result::Result<Dataset, JsValue> {
        let full = Mnist::from_idx(train_images, train_labels).map_err(js_err)?;
        let train = full.starting_with(&self.train).map_err(js_err)?;
        Ok(Self {
            train: Rc::new(train),
            test: self.test.clone(),
        })
    }

    #[wasm_bindgen(getter, js_name = trainSize)]
    pub fn train_size(&self) -> usize {
        self.train.len()
    }

    #[wasm_bindgen(getter, js_name = testSize)]
    pub fn test_size(&self) -> usize {
        self.test.len()
    }

    /// One test image as 784 floats in [0, 1] (for showing misclassified examples).
    #[wasm_bindgen(js_name = testImage)]
    pub fn test_image(&self, index: usize) -> std::result::Result<Float32Array, JsValue> {
        if index >= self.test.len() {
            return Err(JsError::new(&format!("test image {index} does not exist")).into());
        }
        Ok(Float32Array::from(
            &self.test.pixels_f32(index, index + 1)[..],
        ))
    }

    #[wasm_bindgen(js_name = testLabel)]
    pub fn test_label(&self, index: usize) -> Option<u8> {
        self.test.labels.get(index).copied()
    }
}
