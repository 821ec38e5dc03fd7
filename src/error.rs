//! One error type for the whole engine: every failure is a value the page or the CLI can show.
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    #[error("invalid model spec: {0}")]
    Spec(String),
    #[error("shape mismatch: {0}")]
    Shape(String),
    #[error("bad weights file: {0}")]
    Weights(String),
    #[error("bad dataset: {0}")]
    Data(String),
    #[error("no usable GPU: {0}")]
    NoGpu(String),
    #[error("GPU error: {0}")]
    Gpu(String),
    #[error("loss became {0}: the learning rate is probably too high")]
    NonFinite(String),
    /// Finite but far above where the run started, for a while (src/trainer/divergence.rs).
    #[error("training diverged: {0}")]
    Diverged(String),
    #[error("invalid setting: {0}")]
    Config(String),
}

pub type Result<T> = std::result::Result<T, Error>;
