//! A plain host-side tensor: row-major f32 data with a shape. Parameters use PyTorch layouts
//! (Linear `[out, in]`, Conv2d `[out, in, kh, kw]`), activations NCHW.
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Result<Self> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(Error::Shape(format!(
                "shape {shape:?} holds {n} values, got {}",
                data.len()
            )));
        }
        Ok(Self { shape, data })
    }

    pub fn zeros(shape: &[usize]) -> Self {
        Self {
            shape: shape.to_vec(),
            data: vec![0.0; shape.iter().product()],
        }
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn l2_norm(&self) -> f32 {
        self.data
            .iter()
            .map(|v| (*v as f64) * (*v as f64))
            .sum::<f64>()
            .sqrt() as f32
    }
}

/// A named parameter tensor, named as in a PyTorch `nn.Sequential` state_dict (`"0.weight"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub tensor: Tensor,
}
