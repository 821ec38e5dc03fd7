//! Optimizer settings. Plain data: the learning rate and every knob may change between any two steps.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Sgd,
    Momentum,
    Adam,
}

/// PyTorch semantics: `weight_decay` adds `wd * w` to the gradient (L2) before the update, `l1`
/// adds `l1 * sign(w)` (the gradient of `l1 * |w|`, 0 at 0, as `torch.sign`);
/// momentum is `v = mu*v + g; w -= lr*v`; Adam is bias-corrected with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimizerConfig {
    pub kind: OptimizerKind,
    pub lr: f32,
    pub momentum: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    /// L1 penalty rate (TensorFlow Playground's L1 regularization); 0 is off.
    pub l1: f32,
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        Self {
            kind: OptimizerKind::Adam,
            lr: 1e-3,
            momentum: 0.9,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            l1: 0.0,
        }
    }
}

/// An optimizer's state between two steps (momentum velocity or Adam's moments and step count),
/// flat over all parameters in the backend's own layout: what a trainer snapshot keeps so that a
/// run resumed from it takes exactly the steps the original run took. `kind: None` is "no state
/// yet" (fresh weights, or SGD, which has none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimizerMoments {
    pub kind: Option<OptimizerKind>,
    /// Adam's bias-correction step count (the next step uses `t + 1`).
    pub t: u64,
    pub first: Vec<f32>,
    pub second: Vec<f32>,
}

impl OptimizerMoments {
    pub fn bytes(&self) -> usize {
        4 * (self.first.len() + self.second.len())
    }

    /// Refuse a state that is not `kind`'s for `total` parameters (both backends check before
    /// they write one back): momentum keeps one value per parameter, Adam two, SGD none.
    pub fn check_fits(&self, kind: OptimizerKind, total: usize) -> Result<()> {
        let (a, b) = match kind {
            OptimizerKind::Sgd => (0, 0),
            OptimizerKind::Momentum => (total, 0),
            OptimizerKind::Adam => (total, total),
        };
        if self.first.len() != a || self.second.len() != b {
            return Err(Error::Shape(format!(
                "optimizer state of {}+{} values for a {kind:?} state of {a}+{b}",
                self.first.len(),
                self.second.len()
            )));
        }
        Ok(())
    }
}

impl OptimizerKind {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "sgd" => Ok(Self::Sgd),
            "momentum" => Ok(Self::Momentum),
            "adam" => Ok(Self::Adam),
            other => Err(Error::Config(format!(
                "unknown optimizer '{other}' (sgd, momentum or adam)"
            ))),
        }
    }
}

impl OptimizerConfig {
    /// These settings with `changes` (a JSON object of some fields, e.g. `{"lr": 0.01}`) merged
    /// in, checked: an unknown field, a wrong type or an invalid value is an error naming it.
    pub fn with_changes(&self, changes: &serde_json::Value) -> Result<OptimizerConfig> {
        let changes = changes.as_object().ok_or_else(|| {
            Error::Config(format!(
                "optimizer changes must be an object, got {changes}"
            ))
        })?;
        let mut merged = serde_json::to_value(self).expect("plain data");
        let fields = merged
            .as_object_mut()
            .expect("a struct serializes to an object");
        for (key, value) in changes {
            if !fields.contains_key(key) {
                let known: Vec<&str> = fields.keys().map(String::as_str).collect();
                return Err(Error::Config(format!(
                    "unknown optimizer setting '{key}' (known: {})",
                    known.join(", ")
                )));
            }
            fields.insert(key.clone(), value.clone());
        }
        let merged: OptimizerConfig = serde_json::from_value(merged)
            .map_err(|e| Error::Config(format!("optimizer settings: {e}")))?;
        merged.validate()?;
        Ok(merged)
    }

    pub fn validate(&self) -> Result<()> {
        // The knobs the page sets, with the page's limits and words (src/limits.rs).
        crate::limits::check_optimizer(self)?;
        let ok =
            (0.0..1.0).contains(&self.beta1) && (0.0..1.0).contains(&self.beta2) && self.eps > 0.0;
        if ok {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "invalid optimizer settings {self:?}"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn with_changes_merges_only_the_given_fields() {
        let base = OptimizerConfig::default();
        let changed = base
            .with_changes(&json!({"lr": 0.05, "kind": "momentum"}))
            .unwrap();
        assert_eq!(changed.lr, 0.05f32);
        assert_eq!(changed.kind, OptimizerKind::Momentum);
        assert_eq!(
            OptimizerConfig {
                lr: base.lr,
                kind: base.kind,
                ..changed
            },
            base,
            "nothing else moved"
        );
        assert_eq!(base.with_changes(&json!({})).unwrap(), base);
    }

    #[test]
    fn with_changes_refuses_what_it_cannot_apply() {
        let base = OptimizerConfig::default();
        let message = |v| base.with_changes(&v).unwrap_err().to_string();
        assert!(message(json!({"learning_rate": 0.1})).contains("'learning_rate'"));
        assert!(message(json!({"lr": "fast"})).contains("optimizer settings"));
        assert!(message(json!({"lr": -1.0})).contains("invalid"));
        assert!(message(json!({"kind": "rmsprop"})).contains("optimizer settings"));
        assert!(message(json!([0.1])).contains("must be an object"));
    }

    #[test]
    fn a_state_is_checked_against_its_kind_and_size() {
        let state = |first: usize, second: usize| OptimizerMoments {
            kind: None,
            t: 3,
            first: vec![0.1; first],
            second: vec![0.2; second],
        };
        assert!(state(5, 5).check_fits(OptimizerKind::Adam, 5).is_ok());
        assert!(state(5, 0).check_fits(OptimizerKind::Momentum, 5).is_ok());
        assert!(state(0, 0).check_fits(OptimizerKind::Sgd, 5).is_ok());
        let e = state(5, 5)
            .check_fits(OptimizerKind::Momentum, 5)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("5+5 values for a Momentum state of 5+0"),
            "{e}"
        );
        assert!(
            state(4, 4).check_fits(OptimizerKind::Adam, 5).is_err(),
            "another model's"
        );
    }
}
