//! The adversarial nudge: the smallest L-infinity budget `eps` within which iterated gradient
//! steps (PGD, Madry et al. 2018; FGSM is the one-step case) make the model say `target`.
//!
//! Each step moves every pixel by `alpha = 2.5 eps / steps` along the sign of
//! `d log p[target] / d x` (the targeted cross-entropy; `dY = onehot(target) - softmax`), then
//! clips to `[x0 - eps, x0 + eps]` and to the pixel range [0, 1]. The budget is searched in
//! rounds: `candidates` budgets evenly spaced in `(lo, hi]` run as one batch, the smallest that
//! succeeds becomes `hi` and the one below it `lo`, so two rounds of 8 pin it to 1/64 of `max_eps`.
use super::{argmax, InputGradients};
use crate::backend::softmax_rows;
use crate::error::{Error, Result};
use crate::spec::{CLASSES, IMAGE_PIXELS};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NudgeConfig {
    /// The largest budget tried, in pixel units (pixels are in [0, 1]).
    pub max_eps: f32,
    /// Gradient steps per budget (1 = FGSM).
    pub steps: usize,
    /// Budgets tried together in each round.
    pub candidates: usize,
    pub rounds: usize,
}

impl NudgeConfig {
    pub fn new(max_eps: f32) -> Self {
        Self {
            max_eps,
            steps: 16,
            candidates: 8,
            rounds: 2,
        }
    }
}

/// What the search found.
#[derive(Clone, Debug, PartialEq)]
pub struct Nudge {
    /// Whether the model now says `target`.
    pub success: bool,
    /// The budget that sufficed (the smallest that did); `max_eps` when none did.
    pub eps: f32,
    /// The nudged image, 784 values in [0, 1], within `eps` of the original everywhere.
    pub pixels: Vec<f32>,
    /// The model's probabilities for `pixels`.
    pub probabilities: Vec<f32>,
}

/// Searches the smallest budget that makes `model` classify `image` as `target`.
pub fn nudge<M: InputGradients + ?Sized>(
    model: &mut M,
    image: &[f32],
    target: usize,
    config: NudgeConfig,
) -> Result<Nudge> {
    if image.len() != IMAGE_PIXELS {
        return Err(Error::Shape(format!(
            "an image has {IMAGE_PIXELS} pixels, got {}",
            image.len()
        )));
    }
    if target >= CLASSES {
        return Err(Error::Shape(format!("target class {target} is not 0..9")));
    }
    if !(config.max_eps > 0.0 && config.max_eps <= 1.0) {
        return Err(Error::Shape(format!(
            "maxEps {} is not in (0, 1]",
            config.max_eps
        )));
    }
    let (mut lo, mut hi) = (0.0f32, config.max_eps);
    let mut best: Option<Nudge> = None;
    let mut last_try: Option<Nudge> = None;
    for _ in 0..config.rounds.max(1) {
        let c = config.candidates.max(1);
        let budgets: Vec<f32> = (1..=c)
            .map(|j| lo + (hi - lo) * j as f32 / c as f32)
            .collect();
        let tries = pgd(model, image, target, &budgets, config.steps.max(1))?;
        match tries.iter().position(|t| t.success) {
            Some(j) => {
                hi = budgets[j];
                lo = if j == 0 { lo } else { budgets[j - 1] };
                best = Some(tries[j].clone());
                if hi == 0.0 {
                    break;
                }
            }
            None if best.is_none() => {
                last_try = tries.last().cloned();
                break;
            }
            None => break,
        }
    }
    Ok(best.or(last_try).expect("at least one round ran"))
}

/// Targeted PGD at each budget in `budgets`, as one batch; a copy stops moving once the model
/// says `target` (its first success is what it reports).
fn pgd<M: InputGradients + ?Sized>(
    model: &mut M,
    image: &[f32],
    target: usize,
    budgets: &[f32],
    steps: usize,
) -> Result<Vec<Nudge>> {
    let n = budgets.len();
    let mut x: Vec<f32> = image.repeat(n);
    let mut done: Vec<Option<Nudge>> = vec![None; n];
    // d log p[t] / d logits = onehot(t) - softmax(logits).
    let seed = move |_: usize, logits: &[f32], dy: &mut [f32]| {
        dy.copy_from_slice(logits);
        softmax_rows(dy);
        dy.iter_mut().for_each(|v| *v = -*v);
        dy[target] += 1.0;
    };
    for step in 0..=steps {
        let pass = model.input_gradients(&x, &seed)?;
        for k in 0..n {
            if done[k].is_some() {
                continue;
            }
            let logits = &pass.logits[k * CLASSES..(k + 1) * CLASSES];
            let pixels = &mut x[k * IMAGE_PIXELS..(k + 1) * IMAGE_PIXELS];
            if argmax(logits) == target || step == steps {
                let mut probabilities = logits.to_vec();
                softmax_rows(&mut probabilities);
                done[k] = Some(Nudge {
                    success: argmax(logits) == target,
                    eps: budgets[k],
                    pixels: pixels.to_vec(),
                    probabilities,
                });
                continue;
            }
            let eps = budgets[k];
            let alpha = (2.5 * eps / steps as f32).min(eps);
            let grad = &pass.gradient[k * IMAGE_PIXELS..(k + 1) * IMAGE_PIXELS];
            for ((p, &g), &p0) in pixels.iter_mut().zip(grad).zip(image) {
                let moved = *p + alpha * g.signum() * (g != 0.0) as u8 as f32;
                *p = moved.clamp(p0 - eps, p0 + eps).clamp(0.0, 1.0);
            }
        }
        if done.iter().all(Option::is_some) {
            break;
        }
    }
    Ok(done
        .into_iter()
        .map(|d| d.expect("every copy ends"))
        .collect())
}
