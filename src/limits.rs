//! The limits of every training setting, the same numbers and words as the page's
//! (`LIMITS` and `validate` in www/js/settings.js): a value one side refuses, the other refuses
//! too, so a value that got in through one door cannot lock the others.
//! tests/e2e/setting_limits.test.mjs feeds boundary values through both (the wasm export
//! `checkSettings` runs these checks).
//!
//! Only what the page also sets is limited here; Adam's betas and eps keep their own checks in
//! `OptimizerConfig::validate`.
use crate::error::{Error, Result};
use crate::optim::OptimizerConfig;
use crate::trainer::{Augment, TrainerConfig};

/// (0, LR_MAX]: a rate of 0 trains nothing; beyond 10 nothing learns, it only diverges.
pub const LR_MAX: f32 = 10.0;
/// [0, WEIGHT_DECAY_MAX]
pub const WEIGHT_DECAY_MAX: f32 = 1.0;
/// [0, L1_MAX]: the L1 penalty rate (the plane page; TensorFlow Playground offers up to 10, but a
/// rate past 1 only zeroes every weight).
pub const L1_MAX: f32 = 1.0;
/// [0, MOMENTUM_MAX)
pub const MOMENTUM_MAX: f32 = 1.0;
/// 1..=BATCH_MAX
pub const BATCH_MAX: usize = 1024;
/// 0..=SHIFT_MAX px
pub const SHIFT_MAX: f32 = 8.0;
/// 0..=ROTATE_MAX degrees
pub const ROTATE_MAX: f32 = 45.0;
/// [0, VALIDATION_MAX)
pub const VALIDATION_MAX: f32 = 0.9;
/// 0..=SEED_MAX (the page's numbers are exact only this far in every engine)
pub const SEED_MAX: u64 = u32::MAX as u64;

fn refuse(message: String) -> Result<()> {
    Err(Error::Config(message))
}

/// A number as JavaScript's `String` writes it, for the values the messages quote.
fn js(v: f32) -> String {
    match v {
        f32::INFINITY => "Infinity".into(),
        f32::NEG_INFINITY => "-Infinity".into(),
        // f32's Display is its shortest round-trip form ("0.1", "1000000000", "NaN").
        _ => format!("{v}"),
    }
}

/// The learning rate, L2 and momentum the page sets.
pub fn check_optimizer(o: &OptimizerConfig) -> Result<()> {
    if !(o.lr.is_finite() && o.lr > 0.0 && o.lr <= LR_MAX) {
        return refuse(format!(
            "learning rate {} is not in (0, {}]",
            js(o.lr),
            js(LR_MAX)
        ));
    }
    if !(o.weight_decay.is_finite() && (0.0..=WEIGHT_DECAY_MAX).contains(&o.weight_decay)) {
        return refuse(format!(
            "L2 {} is not in [0, {}]",
            js(o.weight_decay),
            js(WEIGHT_DECAY_MAX)
        ));
    }
    if !(o.l1.is_finite() && (0.0..=L1_MAX).contains(&o.l1)) {
        return refuse(format!("L1 {} is not in [0, {}]", js(o.l1), js(L1_MAX)));
    }
    if !(0.0..MOMENTUM_MAX).contains(&o.momentum) {
        return refuse(format!(
            "momentum {} is not in [0, {})",
            js(o.momentum),
            js(MOMENTUM_MAX)
        ));
    }
    Ok(())
}

pub fn check_augment(a: &Augment) -> Result<()> {
    if !(0.0..=SHIFT_MAX).contains(&a.shift) {
        return refuse(format!(
            "shift {} is not in 0..{} px",
            js(a.shift),
            js(SHIFT_MAX)
        ));
    }
    if !(0.0..=ROTATE_MAX).contains(&a.rotate) {
        return refuse(format!(
            "rotation {} is not in 0..{} degrees",
            js(a.rotate),
            js(ROTATE_MAX)
        ));
    }
    Ok(())
}

/// Everything in a trainer's settings the page also sets (the batch against the data's size is
/// checked where the data is known, in `Trainer::new`).
pub fn check_trainer(c: &TrainerConfig) -> Result<()> {
    check_optimizer(&c.optimizer)?;
    if !(1..=BATCH_MAX).contains(&c.batch) {
        return refuse(format!(
            "batch {} is not a whole number in 1..{BATCH_MAX}",
            c.batch
        ));
    }
    check_augment(&c.augment)?;
    if !(0.0..VALIDATION_MAX).contains(&c.validation) {
        return refuse(format!(
            "validation split {} is not in [0, {})",
            js(c.validation),
            js(VALIDATION_MAX)
        ));
    }
    if c.seed > SEED_MAX {
        return refuse(format!(
            "seed {} is not a whole number in 0..{SEED_MAX}",
            c.seed
        ));
    }
    Ok(())
}
