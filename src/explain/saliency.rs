//! Saliency maps: which pixels push the chosen class's logit up (red) or down (blue).
//!
//! - `Gradient`: `d logit[t] / d x` at the image itself.
//! - `SmoothGrad` (Smilkov et al. 2017): the gradient averaged over copies of the image with
//!   Gaussian noise added, which washes out the gradient's pixel-to-pixel jitter.
//! - `Integrated` (Sundararajan et al. 2017): `x * mean over a in (0, 1] of grad(a x)`, the path
//!   integral from a black image; its pixels sum to `logit[t](x) - logit[t](0)` (completeness).
use super::{argmax, InputGradients};
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
    if image.len() != IMAGE_PIXELS {
        return Err(Error::Shape(format!(
            "an image has {IMAGE_PIXELS} pixels, got {}",
            image.len()
        )));
    }
    if let Some(t) = target.filter(|&t| t >= CLASSES) {
        return Err(Error::Shape(format!("target class {t} is not 0..9")));
    }
    // One pass at the image gives the logits (hence the default target) and the plain gradient.
    let at_image = match target {
        Some(t) => model.input_gradients(image, &|_, _, dy| dy[t] = 1.0)?,
        None => model.input_gradients(image, &|_, logits, dy| dy[argmax(logits)] = 1.0)?,
    };
    let target = target.unwrap_or_else(|| argmax(&at_image.logits));
    let one_hot = |_: usize, _: &[f32], dy: &mut [f32]| dy[target] = 1.0;
    let values = match method {
        Method::Gradient => at_image.gradient,
        Method::SmoothGrad {
            samples,
            sigma,
            seed,
        } => {
            let samples = samples.max(1);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut noisy = Vec::with_capacity(samples * IMAGE_PIXELS);
            for _ in 0..samples {
                noisy.extend(image.iter().map(|&p| p + sigma * gaussian(&mut rng)));
            }
            let grads = model.input_gradients(&noisy, &one_hot)?.gradient;
            mean_rows(&grads, samples)
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
            let grads = model.input_gradients(&path, &one_hot)?.gradient;
            let mean = mean_rows(&grads, steps);
            mean.iter().zip(image).map(|(g, p)| g * p).collect()
        }
    };
    Ok(Saliency {
        values,
        target,
        logits: at_image.logits,
    })
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
