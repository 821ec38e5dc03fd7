//! The forward pass of an int8 model: the CPU reference's own forward pass ([`crate::cpu::Model`])
//! on the weights the int8 numbers stand for (`w = q * scale[row]`, dequantized once per call).
//! The logits are those of the int8 model to float rounding (the CPU multiplies `q * scale` by
//! `x` where a W8A32 kernel would scale the sum), and every layer kind the CPU backend has runs
//! here too, with no second copy of the layer walk to keep in step.
use super::int8::QuantizedModel;
use crate::cpu::Model;
use crate::error::Result;

impl QuantizedModel {
    /// Logits (`n * 10`) for `n` images of 784 values in [0, 1], computed on the int8 weights.
    pub fn logits(&self, images: &[f32]) -> Result<Vec<f32>> {
        Model::new(&self.spec, &self.dequantize())?.logits(images)
    }
}
