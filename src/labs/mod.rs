//! Labs that run on the engine: the scaling law (sweep model width or training-set size for a
//! fixed step budget, fit `L = a N^-alpha + c`) and model compression (int8 post-training
//! quantization evaluated by the CPU forward pass on the int8 weights' values, magnitude pruning, honest byte counts).
//!
//! | file | job |
//! | --- | --- |
//! | [`fit`] | power-law and log-log line fits |
//! | [`scaling`] | the width / data sweeps, one finished point at a time |
//! | [`compress`] | quantize, prune, count bytes, export, accuracy-vs-bytes table |
//! | [`int8`] | the int8 model: quantize, dequantize, byte count, safetensors |
//! | [`quantized`] | the int8 model's forward pass (the CPU model on its dequantized weights) |
//! | [`prune`] | magnitude pruning and sparse (CSR) byte counts |
pub mod compress;
pub mod fit;
pub mod int8;
pub mod prune;
pub mod quantized;
pub mod scaling;
