//! A trained model for prediction only: the CPU forward pass over one image, with no optimizer,
//! no training set and no batch buffers. The page's predictor and the labs' drawing pad hold one
//! instead of a training session built from a one-image dataset.
use super::model::{Model, Workspace};
use crate::data::check_image;
use crate::error::Result;
use crate::spec::ModelSpec;
use crate::tensor::{copy_from_flat, unflatten, Param, Tensor};

pub struct Inference {
    model: Model,
    /// A one-image workspace, reused by every call.
    work: Workspace,
}

impl Inference {
    /// `params` by state-dict name, in any order; names and shapes are checked against the spec.
    pub fn new(spec: &ModelSpec, params: &[Param]) -> Result<Self> {
        let model = Model::new(spec, params)?;
        Ok(Self {
            work: model.workspace(1),
            model,
        })
    }

    /// `flat` holds every parameter in state-dict order, as `Session.paramsFlat` gives them.
    pub fn from_flat(spec: &ModelSpec, flat: &[f32]) -> Result<Self> {
        Self::new(spec, &unflatten(spec.param_shapes()?, flat)?)
    }

    /// The model of a `.safetensors` file (its spec comes from the file's metadata).
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self> {
        let (spec, params) = crate::weights::from_safetensors(bytes)?;
        Self::new(&spec, &params)
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.model.spec
    }

    pub fn parameter_count(&self) -> usize {
        self.model.params.iter().map(|p| p.tensor.len()).sum()
    }

    /// Replace every parameter from a flat state-dict-order vector of the same model.
    pub fn set_flat(&mut self, flat: &[f32]) -> Result<()> {
        copy_from_flat(&mut self.model.params, flat)
    }

    /// The ten raw network outputs for 784 pixels in [0, 1].
    pub fn logits(&mut self, image: &[f32]) -> Result<Vec<f32>> {
        self.forward(image)?;
        Ok(self.work.acts.last().expect("a model has layers").clone())
    }

    /// Softmax of [`Inference::logits`].
    pub fn probabilities(&mut self, image: &[f32]) -> Result<Vec<f32>> {
        let mut probs = self.logits(image)?;
        crate::backend::softmax_rows(&mut probs);
        Ok(probs)
    }

    /// Every layer's output for one image, in layer order, shapes without the batch dimension.
    pub fn activations(&mut self, image: &[f32]) -> Result<Vec<Tensor>> {
        self.forward(image)?;
        Ok(layer_outputs(&self.model, &self.work))
    }

    fn forward(&mut self, image: &[f32]) -> Result<()> {
        check_image(image)?;
        self.work.input.copy_from_slice(image);
        self.model.forward(&mut self.work, None);
        Ok(())
    }
}

/// The outputs a forward pass over a one-image workspace left, one tensor per layer.
pub(crate) fn layer_outputs(model: &Model, ws: &Workspace) -> Vec<Tensor> {
    debug_assert_eq!(ws.n, 1, "shapes carry no batch dimension");
    ws.acts
        .iter()
        .zip(&model.shapes)
        .map(|(data, shape)| Tensor {
            shape: shape.clone(),
            data: data.clone(),
        })
        .collect()
}
