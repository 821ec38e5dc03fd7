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

/// PyTorch semantics: `weight_decay` adds `wd * w` to the gradient (L2) before the update;
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
        }
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
