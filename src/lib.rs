//! Gradient Garden: a small training engine for MLPs and CNNs on MNIST with two backends, a
//! readable CPU reference (`cpu`, ndarray) and WebGPU compute shaders (`gpu`, wgpu + WGSL).
//!
//! Data flows one way: dataset -> batches -> model spec -> backend -> loss/backward -> optimizer
//! -> trainer -> wasm bindings.
pub mod backend;
pub mod cpu;
pub mod data;
pub mod engine;
pub mod error;
pub mod explain;
pub mod gpu;
pub mod init;
pub mod labs;
pub mod limits;
pub mod onnx;
pub mod optim;
pub mod points;
pub mod schedule;
pub mod spec;
pub mod tensor;
pub mod train_set;
pub mod trainer;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod weights;

pub use backend::Backend;
pub use engine::{build_engine, BackendChoice, Engine};
pub use error::{Error, Result};
pub use spec::ModelSpec;
