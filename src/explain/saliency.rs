//! Saliency maps: which pixels push the chosen class's logit up (red) or down (blue).
//!
//! - `Gradient`: `d logit[t] / d x` at the image itself.
//! - `SmoothGrad` (Smilkov et al. 2017): the gradient averaged over copies of the image with
//!   Gaussian noise added, which washes out the gradient's pixel-to-pixel jitter.
//! - `Integrated` (Sundararajan et al. 2017): `x * mean over a in (0, 1] of grad(a x)`, the path
//!   integral from a black image; its pixels sum to `logit[t](x) - logit[t](0)` (completeness).
use super::{argmax, InputGradients};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::spec::{CLASSES, IMAGE_PIXELS};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    Gradient,
    SmoothGrad {
        samples: usize,
        sigma: f32,
        seed: u64,
    },
    Integrated {
        steps: usize,
    },
}

impl Method {
    /// `"gradient"`, `"smoothgrad"` or `"integrated"` with the defaults the page uses:
    /// 32 noisy copies at sigma 0.15 (of the [0, 1] pixel range), 64 path steps.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "gradient" => Ok(Method::Gradient),
            "smoothgrad" => Ok(Method::SmoothGrad {
                samples: 32,
                sigma: 0.15,
                seed: 1,
            }),
            "integrated" => Ok(Method::Integrated { steps: 64 }),
            other => Err(Error::Spec(format!(
                "unknown saliency method '{other}' (expected gradient, smoothgrad or integrated)"
            ))),
        }
    }
}

/// A saliency map and what it explains.
#[derive(Clone, Debug, PartialEq)]
pub struct Saliency {
    /// 784 values, signed: positive pixels raise the target's logit.
    pub values: Vec<f32>,
    /// The class explained (the predicted one unless asked otherwise).
    pub target: usize,
    /// The model's logits for the image itself.
    pub logits: Vec<f32>,
}

/// The saliency of `image` for class `target` (default: the predicted class) by `method`.
pub fn saliency<M: InputGradients + ?Sized>(
    model: &mut M,
    image: &[f32],
    method: Method,
    target: Option<usize>,
) -> Result<Saliency> {
    check_request(image, target)?;
    // One pass at the image gives the logits (hence the default target) and the plain gradient.
    let at_image = match target {
        Some(t) => model.input_gradients(image, &|_, _, dy| dy[t] = 1.0)?,
        None => model.input_gradients(image, &|_, logits, dy| dy[argmax(logits)] = 1.0)?,
    };
    let target = target.unwrap_or_else(|| argmax(&at_image.logits));
    let one_hot = |_: usize, _: &[f32], dy: &mut [f32]| dy[target] = 1.0;
    let values = match method {
        Method::Gradient => at_image.gradient,
        _ => {
            let images = method_images(image, method);
            combine(
                image,
                method,
                &model.input_gradients(&images, &one_hot)?.gradient,
            )
        }
    };
    Ok(Saliency {
        values,
        target,
        logits: at_image.logits,
    })
}

/// [`saliency`] on a training backend (the engine's CPU or GPU), whose input gradient takes one
/// target class per image: the same images and the same averaging, so both backends give the
/// map the inference model gives, to float rounding.
pub async fn backend_saliency<B: Backend + ?Sized>(
    backend: &mut B,
    image: &[f32],
    method: Method,
    target: Option<usize>,
) -> Result<Saliency> {
    check_request(image, target)?;
    // The first pass gives the logits; its gradient is the map when its class was the target
    // (the default target, the predicted class, is known only after it).
    let first = target.unwrap_or(0);
    let at_image = backend.input_gradient(image, &[first]).await?;
    let target = target.unwrap_or_else(|| argmax(&at_image.logits));
    let values = match method {
        Method::Gradient if target == first => at_image.gradient,
        Method::Gradient => backend.input_gradient(image, &[target]).await?.gradient,
        _ => {
            let images = method_images(image, method);
            let targets = vec![target; images.len() / IMAGE_PIXELS];
            let grads = backend.input_gradient(&images, &targets).await?.gradient;
            combine(image, method, &grads)
        }
    };
    Ok(Saliency {
        values,
        target,
        logits: at_image.logits,
    })
}

fn check_request(image: &[f32], target: Option<usize>) -> Result<()> {
    if image.len() != IMAGE_PIXELS {
        return Err(Error::Shape(format!(
            "an image has {IMAGE_PIXELS} pixels, got {}",
            image.len()
        )));
    }
    if let Some(t) = target.filter(|&t| t >= CLASSES) {
        return Err(Error::Shape(format!("target class {t} is not 0..9")));
    }
    Ok(())
}

/// The images `method` takes the gradient at (`[n, 784]`): noisy copies of the image
/// (SmoothGrad) or the path from a black image to it (integrated gradients, midpoint rule).
fn method_images(image: &[f32], method: Method) -> Vec<f32> {
    match method {
        Method::Gradient => image.to_vec(),
        Method::SmoothGrad {
            samples,
            sigma,
            seed,
        } => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut noisy = Vec::with_capacity(samples.max(1) * IMAGE_PIXELS);
            for _ in 0..samples.max(1) {
                noisy.extend(image.iter().map(|&p| p + sigma * gaussian(&mut rng)));
            }
            noisy
        }
        Method::Integrated { steps } => {
            // Midpoint rule: a = (j + 1/2) / m. Its error falls as 1/m^2 on smooth stretches;
            // ReLU kinks along the path are what the completeness test's 1% has to absorb.
            let steps = steps.max(1);
            let mut path = Vec::with_capacity(steps * IMAGE_PIXELS);
            for j in 0..steps {
                let a = (j as f32 + 0.5) / steps as f32;
                path.extend(image.iter().map(|&p| a * p));
            }
            path
        }
    }
}

/// The map from the gradients at [`method_images`]: their mean (SmoothGrad), times the image
/// (integrated gradients).
fn combine(image: &[f32], method: Method, grads: &[f32]) -> Vec<f32> {
    let mean = mean_rows(grads, grads.len() / IMAGE_PIXELS);
    match method {
        Method::Integrated { .. } => mean.iter().zip(image).map(|(g, p)| g * p).collect(),
        _ => mean,
    }
}

/// The mean of `rows` rows of 784.
fn mean_rows(values: &[f32], rows: usize) -> Vec<f32> {
    let mut mean = vec![0.0; IMAGE_PIXELS];
    for row in values.chunks(IMAGE_PIXELS) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= rows as f32);
    mean
}

/// A standard normal draw (Box-Muller on two uniform 24-bit draws).
pub(crate) fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    let uniform = |rng: &mut ChaCha8Rng| ((rng.next_u32() >> 8) as f32 + 0.5) / (1u32 << 24) as f32;
    let (u1, u2) = (uniform(rng), uniform(rng));
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}
