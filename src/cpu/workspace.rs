//! A model's per-batch-size buffers, and which layers a training step fuses.
use super::model::Model;
use crate::spec::LayerSpec;

/// Per-batch-size buffers: every layer's output, pooling winners and two gradient buffers.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub n: usize,
    /// `[n, 784]` inputs in [0, 1] and their labels.
    pub input: Vec<f32>,
    pub labels: Vec<u8>,
    /// `acts[i]` is layer `i`'s output, `[n, shapes[i]...]`.
    /// (Empty for the convolution and ReLU of a fused block, see `fused`.)
    pub acts: Vec<Vec<f32>>,
    pub(super) argmax: Vec<Vec<u32>>,
    /// `fused[i]`: layer `i` is a convolution that runs with the ReLU and max-pool above it as
    /// one pass per image ([`super::conv2d_relu_maxpool_forward`]), so only the pool's output is
    /// stored. Training workspaces fuse ([`Model::train_workspace`]); the others keep every
    /// layer's output for the views that show them.
    pub(super) fused: Vec<bool>,
    /// The gradient of the current layer's output; after [`Model::loss`], of the logits.
    pub(crate) grad_out: Vec<f32>,
    pub(super) grad_in: Vec<f32>,
}

impl Model {
    /// A workspace that stores every layer's output (inference and the layer views).
    pub fn workspace(&self, n: usize) -> Workspace {
        self.workspace_with(n, vec![false; self.spec.layers.len()])
    }

    /// A workspace for training steps, where only what the backward pass reads is stored:
    /// every convolution followed by a ReLU and a max-pool runs as one fused pass per image.
    pub fn train_workspace(&self, n: usize) -> Workspace {
        let layers = &self.spec.layers;
        let fused = (0..layers.len())
            .map(|i| {
                matches!(
                    layers[i..],
                    [
                        LayerSpec::Conv2d { .. },
                        LayerSpec::Relu,
                        LayerSpec::MaxPool2d { .. },
                        ..
                    ]
                )
            })
            .collect();
        self.workspace_with(n, fused)
    }

    /// Layer `i` is the ReLU or the pool of a fused block.
    pub(super) fn inside_fused(fused: &[bool], i: usize) -> bool {
        (i >= 1 && fused[i - 1]) || (i >= 2 && fused[i - 2])
    }

    fn workspace_with(&self, n: usize, fused: Vec<bool>) -> Workspace {
        let size = |s: &Vec<usize>| n * s.iter().product::<usize>();
        let largest = self
            .shapes
            .iter()
            .map(size)
            .max()
            .unwrap_or(0)
            .max(n * self.io.inputs);
        Workspace {
            n,
            input: vec![0.0; n * self.io.inputs],
            labels: vec![0; n],
            acts: self
                .shapes
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let unstored = fused[i] || (i >= 1 && fused[i - 1]);
                    vec![0.0; if unstored { 0 } else { size(s) }]
                })
                .collect(),
            argmax: self
                .spec
                .layers
                .iter()
                .zip(&self.shapes)
                .map(|(l, s)| match l {
                    LayerSpec::MaxPool2d { .. } => vec![0; size(s)],
                    _ => Vec::new(),
                })
                .collect(),
            grad_out: vec![0.0; largest],
            grad_in: vec![0.0; largest],
            fused,
        }
    }
}
