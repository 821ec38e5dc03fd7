//! A trained model for prediction only: the CPU forward pass over one image, with no optimizer,
//! no training set and no batch buffers. The page's predictor and the labs' drawing pad hold one
//! instead of a training session built from a one-image dataset.
use super::model::{Model, Workspace};
use crate::data::check_image;
use crate::error::{Error, Result};
use crate::spec::{ModelSpec, CLASSES, IMAGE_PIXELS};
use crate::tensor::{copy_from_flat, unflatten, Param, Tensor};

pub struct Inference {
    model: Model,
    /// A one-image workspace, reused by every call.
    work: Workspace,
    /// The last batch workspace [`Inference::input_gradients`] used and its (discarded)
    /// parameter gradients, kept while the batch size repeats (a saliency map asks for the same
    /// size on every stroke).
    grad_work: Option<(Workspace, Vec<Vec<f32>>)>,
}

/// Logits and input gradients of a batch: `logits` `[n, 10]`, `gradient` `[n, 784]`.
#[derive(Clone, Debug, PartialEq)]
pub struct InputGradient {
    pub logits: Vec<f32>,
    pub gradient: Vec<f32>,
}

/// Writes image `k`'s `dY` (zeroed before) from its output row: `seed(k, row, dy)`.
pub type GradSeed<'a> = &'a dyn Fn(usize, &[f32], &mut [f32]);

/// Images per pass in [`Inference::input_gradients`].
const GRAD_CHUNK: usize = 32;

impl Inference {
    /// `params` by state-dict name, in any order; names and shapes are checked against the spec.
    pub fn new(spec: &ModelSpec, params: &[Param]) -> Result<Self> {
        let model = Model::new(spec, params)?;
        Ok(Self {
            work: model.workspace(1),
            grad_work: None,
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

    /// For `n` images (`[n, 784]`, any finite values): the forward pass, then the backward pass
    /// from `dY` with the input's gradient switched on. `seed(k, logits_k, dy_k)` writes image
    /// `k`'s `dY` (zeroed) from its logits: a one-hot on a target gives `d logit[t] / d x`.
    pub fn input_gradients(&mut self, images: &[f32], seed: GradSeed) -> Result<InputGradient> {
        let last = self.model.spec.layers.len() - 1;
        self.input_gradients_from(images, last, seed)
    }

    /// [`Inference::input_gradients`] from layer `layer`'s output instead of the logits: `seed`
    /// sees each image's output of that layer and writes its `dY`; `logits` holds those outputs.
    pub fn input_gradients_from(
        &mut self,
        images: &[f32],
        layer: usize,
        seed: GradSeed,
    ) -> Result<InputGradient> {
        let width = self.batch_width(images, layer)?;
        let n = images.len() / IMAGE_PIXELS;
        let mut out = InputGradient {
            logits: Vec::with_capacity(n * width),
            gradient: Vec::with_capacity(n * IMAGE_PIXELS),
        };
        for (c, chunk) in images.chunks(GRAD_CHUNK * IMAGE_PIXELS).enumerate() {
            let m = chunk.len() / IMAGE_PIXELS;
            let (ws, grads) = batch_workspace(&self.model, &mut self.grad_work, m);
            ws.input.copy_from_slice(chunk);
            self.model.forward(ws, None);
            let outputs = &ws.acts[layer];
            let dy = &mut ws.grad_out[..m * width];
            dy.fill(0.0);
            for k in 0..m {
                let row = k * width..(k + 1) * width;
                seed(c * GRAD_CHUNK + k, &outputs[row.clone()], &mut dy[row]);
            }
            out.logits.extend_from_slice(outputs);
            self.model.input_gradient_from(ws, grads, layer);
            out.gradient
                .extend_from_slice(&ws.grad_out[..m * IMAGE_PIXELS]);
        }
        Ok(out)
    }

    /// Layer `layer`'s output shape (without the batch), or `None` past the last layer.
    pub fn layer_shape(&self, layer: usize) -> Option<&[usize]> {
        self.model.shapes.get(layer).map(Vec::as_slice)
    }

    /// Layer `layer`'s outputs for `n` images (`[n, output size]`), in chunks: forward only.
    pub fn layer_outputs(&mut self, images: &[f32], layer: usize) -> Result<Vec<f32>> {
        let width = self.batch_width(images, layer)?;
        let mut out = Vec::with_capacity(images.len() / IMAGE_PIXELS * width);
        for chunk in images.chunks(GRAD_CHUNK * IMAGE_PIXELS) {
            let m = chunk.len() / IMAGE_PIXELS;
            let (ws, _) = batch_workspace(&self.model, &mut self.grad_work, m);
            ws.input.copy_from_slice(chunk);
            self.model.forward(ws, None);
            out.extend_from_slice(&ws.acts[layer][..m * width]);
        }
        Ok(out)
    }

    /// Checks a batch of images (whole 784-pixel images, finite) and returns layer `layer`'s
    /// output width.
    fn batch_width(&self, images: &[f32], layer: usize) -> Result<usize> {
        let width: usize = self
            .model
            .shapes
            .get(layer)
            .ok_or_else(|| Error::Shape(format!("the model has no layer {layer}")))?
            .iter()
            .product();
        if !images.len().is_multiple_of(IMAGE_PIXELS) || images.is_empty() {
            return Err(Error::Shape(format!(
                "{} values are not whole 784-pixel images",
                images.len()
            )));
        }
        if let Some(i) = images.iter().position(|v| !v.is_finite()) {
            return Err(Error::Shape(format!(
                "pixel {i} is {}, not a finite number",
                images[i]
            )));
        }
        Ok(width)
    }

    /// `d logit[targets[k]] / d image_k` for each of `n` images (the saliency gradient).
    pub fn input_gradient(&mut self, images: &[f32], targets: &[usize]) -> Result<InputGradient> {
        if targets.len() * IMAGE_PIXELS != images.len() {
            return Err(Error::Shape(format!(
                "{} targets for {} values ({} images)",
                targets.len(),
                images.len(),
                images.len() / IMAGE_PIXELS
            )));
        }
        if let Some(t) = targets.iter().find(|&&t| t >= CLASSES) {
            return Err(Error::Shape(format!("target class {t} is not 0..9")));
        }
        self.input_gradients(images, &|k, _, dy| dy[targets[k]] = 1.0)
    }

    fn forward(&mut self, image: &[f32]) -> Result<()> {
        check_image(image)?;
        self.work.input.copy_from_slice(image);
        self.model.forward(&mut self.work, None);
        Ok(())
    }
}

/// The batch workspace for `m` images (and its discarded parameter gradients), kept in `slot`
/// while the batch size repeats.
fn batch_workspace<'a>(
    model: &Model,
    slot: &'a mut Option<(Workspace, Vec<Vec<f32>>)>,
    m: usize,
) -> (&'a mut Workspace, &'a mut Vec<Vec<f32>>) {
    if !matches!(slot, Some((ws, _)) if ws.n == m) {
        let grads = model
            .params
            .iter()
            .map(|p| vec![0.0; p.tensor.len()])
            .collect();
        *slot = Some((model.workspace(m), grads));
    }
    let (ws, grads) = slot.as_mut().expect("filled above");
    (ws, grads)
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
