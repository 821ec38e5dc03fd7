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
        l2(self.data.iter().copied())
    }
}

/// The L2 norm of `values`, summed in f64.
pub fn l2(values: impl IntoIterator<Item = f32>) -> f32 {
    values
        .into_iter()
        .map(|v| (v as f64) * (v as f64))
        .sum::<f64>()
        .sqrt() as f32
}

/// A named parameter tensor, named as in a PyTorch `nn.Sequential` state_dict (`"0.weight"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub tensor: Tensor,
}

/// The values of `params` one after another, in their order: the flat layout the split steps
/// send between workers (`paramsFlat`) and the inference `Model` loads.
pub fn flatten(params: &[Param]) -> Vec<f32> {
    params
        .iter()
        .flat_map(|p| p.tensor.data.iter().copied())
        .collect()
}

/// Overwrite `params`, in place and in order, from a [`flatten`]ed vector of the same length.
pub fn copy_from_flat(params: &mut [Param], flat: &[f32]) -> Result<()> {
    let total: usize = params.iter().map(|p| p.tensor.len()).sum();
    if flat.len() != total {
        return Err(Error::Shape(format!(
            "{} values for {total} parameters",
            flat.len()
        )));
    }
    let mut rest = flat;
    for p in params {
        let (head, tail) = rest.split_at(p.tensor.len());
        p.tensor.data.copy_from_slice(head);
        rest = tail;
    }
    Ok(())
}

/// `flat` cut into tensors of `shapes` (name, shape), in that order: the inverse of [`flatten`].
pub fn unflatten(shapes: Vec<(String, Vec<usize>)>, flat: &[f32]) -> Result<Vec<Param>> {
    let mut params: Vec<Param> = shapes
        .into_iter()
        .map(|(name, shape)| Param {
            name,
            tensor: Tensor::zeros(&shape),
        })
        .collect();
    copy_from_flat(&mut params, flat)?;
    Ok(params)
}
