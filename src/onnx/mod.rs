//! ONNX export: any model the playground builds, as an ONNX model (opset 13) that ONNX Runtime,
//! Netron and other deployment tools read. `proto.rs` declares the onnx.proto messages we write;
//! `export.rs` turns a spec and its parameters into one graph, one node per layer op.
mod export;
pub mod proto;

pub use export::{to_onnx, OPSET, PRODUCER};
