//! Learning-rate schedules as plain data: the trainer asks each step for `rate(base, step)`,
//! where `base` is the optimizer's `lr` and `step` the run's step about to train (from 0).
//!
//! A schedule is a multiplier on the base rate, so a live change of the rate (the page's slider,
//! `setOptimizer({lr})`) makes the new rate the schedule's base: the schedule goes on from the
//! same step, scaled. With `constant` (the default) the rate in use is exactly the one set.
//!
//! Formulas (`t` the step, `f(t)` the factor, `rate = base * f(t)`; `floor` is the last rate as
//! a fraction of the base):
//! - `constant`: `f = 1`.
//! - `step {every, gamma}`: `f = gamma ^ floor(t / every)`.
//! - `cosine {steps, floor}`: `u = min(t, steps) / steps`, `f = floor + (1 - floor) (1 + cos(pi u)) / 2`.
//! - `warmup_cosine {warmup, steps, floor}`: `f = (t + 1) / warmup` for `t < warmup`, then the
//!   cosine over the remaining `steps - warmup` steps.
//! - `onecycle {steps, rise, div, final_div}`: PyTorch's `OneCycleLR` (cosine annealing, two
//!   phases): from `1 / div` up to 1 over the first `rise * steps - 1` steps, then down to
//!   `1 / (div * final_div)` at step `steps - 1`, and there it stays.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// The most steps a schedule may name (well beyond any run in a tab).
pub const SCHEDULE_STEPS_MAX: u64 = 1_000_000_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    #[default]
    Constant,
    Step {
        every: u64,
        #[serde(default = "half")]
        gamma: f64,
    },
    Cosine {
        steps: u64,
        #[serde(default)]
        floor: f64,
    },
    WarmupCosine {
        warmup: u64,
        steps: u64,
        #[serde(default)]
        floor: f64,
    },
    #[serde(rename = "onecycle")]
    OneCycle {
        steps: u64,
        #[serde(default = "rise")]
        rise: f64,
        #[serde(default = "div")]
        div: f64,
        #[serde(default = "final_div")]
        final_div: f64,
    },
}

fn half() -> f64 {
    0.5
}
fn rise() -> f64 {
    0.3
}
fn div() -> f64 {
    25.0
}
fn final_div() -> f64 {
    1e4
}

/// `end + (start - end) (1 + cos(pi p)) / 2`: from `start` at p = 0 to `end` at p = 1.
fn cos_anneal(start: f64, end: f64, p: f64) -> f64 {
    end + (start - end) * 0.5 * (1.0 + (PI * p.clamp(0.0, 1.0)).cos())
}

impl Schedule {
    /// Parse the page's JSON (`{kind: 'cosine', steps: 2000}`), checked.
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let s: Schedule = serde_json::from_value(value.clone())
            .map_err(|e| Error::Config(format!("schedule: {e}")))?;
        s.validate()?;
        Ok(s)
    }

    /// The limits, with the page's words (www/js/schedule.js checks the same).
    pub fn validate(&self) -> Result<()> {
        let refuse = |m: String| Err(Error::Config(format!("schedule: {m}")));
        let steps_ok = |n: u64| (1..=SCHEDULE_STEPS_MAX).contains(&n);
        let fraction = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::Step { every, gamma } => {
                if !steps_ok(every) {
                    return refuse(format!("every {every} is not in 1..{SCHEDULE_STEPS_MAX}"));
                }
                if !(gamma.is_finite() && gamma > 0.0 && gamma <= 1.0) {
                    return refuse(format!("gamma {gamma} is not in (0, 1]"));
                }
                Ok(())
            }
            Schedule::Cosine { steps, floor } => {
                if !steps_ok(steps) {
                    return refuse(format!("steps {steps} is not in 1..{SCHEDULE_STEPS_MAX}"));
                }
                if !fraction(floor) {
                    return refuse(format!("floor {floor} is not in [0, 1]"));
                }
                Ok(())
            }
            Schedule::WarmupCosine {
                warmup,
                steps,
                floor,
            } => {
                if !steps_ok(steps) {
                    return refuse(format!("steps {steps} is not in 1..{SCHEDULE_STEPS_MAX}"));
                }
                if !(1..steps).contains(&warmup) {
                    return refuse(format!("warmup {warmup} is not in 1..{}", steps - 1));
                }
                if !fraction(floor) {
                    return refuse(format!("floor {floor} is not in [0, 1]"));
                }
                Ok(())
            }
            Schedule::OneCycle {
                steps,
                rise,
                div,
                final_div,
            } => {
                if !(2..=SCHEDULE_STEPS_MAX).contains(&steps) {
                    return refuse(format!("steps {steps} is not in 2..{SCHEDULE_STEPS_MAX}"));
                }
                if !(rise.is_finite() && rise > 0.0 && rise < 1.0) {
                    return refuse(format!("rise {rise} is not in (0, 1)"));
                }
                // Both phases need at least one step (PyTorch's own condition).
                let up = (rise * steps as f64) - 1.0;
                if up < 1.0 || up >= steps as f64 - 1.0 {
                    return refuse(format!(
                        "rise {rise} of {steps} steps leaves a phase without steps"
                    ));
                }
                if !(div.is_finite() && (1.0..=1e6).contains(&div)) {
                    return refuse(format!("div {div} is not in [1, 1000000]"));
                }
                if !(final_div.is_finite() && (1.0..=1e8).contains(&final_div)) {
                    return refuse(format!("final_div {final_div} is not in [1, 100000000]"));
                }
                Ok(())
            }
        }
    }

    /// The multiplier on the base rate at step `t` (counted from 0).
    pub fn factor(&self, t: u64) -> f64 {
        let t = t as f64;
        match *self {
            Schedule::Constant => 1.0,
            Schedule::Step { every, gamma } => gamma.powf((t / every as f64).floor()),
            Schedule::Cosine { steps, floor } => {
                cos_anneal(1.0, floor, t.min(steps as f64) / steps as f64)
            }
            Schedule::WarmupCosine {
                warmup,
                steps,
                floor,
            } => {
                let w = warmup as f64;
                if t < w {
                    (t + 1.0) / w
                } else {
                    cos_anneal(1.0, floor, (t - w) / (steps as f64 - w))
                }
            }
            Schedule::OneCycle {
                steps,
                rise,
                div,
                final_div,
            } => {
                let initial = 1.0 / div;
                let last = initial / final_div;
                let up_end = rise * steps as f64 - 1.0;
                let end = steps as f64 - 1.0;
                if t <= up_end {
                    cos_anneal(initial, 1.0, t / up_end)
                } else {
                    cos_anneal(1.0, last, (t - up_end) / (end - up_end))
                }
            }
        }
    }

    /// The rate step `t` trains with, from the base rate `base`.
    pub fn rate(&self, base: f32, t: u64) -> f32 {
        match self {
            // Exactly the base: no f64 round trip, so a constant run equals one without schedule.
            Schedule::Constant => base,
            _ => (base as f64 * self.factor(t)) as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_page_json_parses_with_defaults_and_refuses_typos() {
        let s = Schedule::from_json(&json!({"kind": "step", "every": 100})).unwrap();
        assert_eq!(
            s,
            Schedule::Step {
                every: 100,
                gamma: 0.5
            }
        );
        assert_eq!(
            Schedule::from_json(&json!({"kind": "constant"})).unwrap(),
            Schedule::Constant
        );
        let err = |v| Schedule::from_json(&v).unwrap_err().to_string();
        assert!(err(json!({"kind": "cosine", "steps": 10, "flor": 0.1})).contains("flor"));
        assert!(err(json!({"kind": "exp"})).contains("exp"));
        assert!(err(json!({"kind": "cosine"})).contains("steps"));
        assert!(
            err(json!({"kind": "warmup_cosine", "warmup": 10, "steps": 10})).contains("warmup")
        );
        assert!(err(json!({"kind": "onecycle", "steps": 3})).contains("phase"));
        assert!(err(json!({"kind": "step", "every": 0})).contains("every"));
    }
}
