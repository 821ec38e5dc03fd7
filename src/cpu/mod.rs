//! CPU reference backend (ndarray). Every layer is an explicit forward/backward pair on plain
//! row-major slices, one file per kind of op, so a GPU kernel can be checked against the function
//! of the same name:
//!
//! | op | forward | backward |
//! | --- | --- | --- |
//! | dense | [`dense_forward`] | [`dense_backward`] (both leave out zero inputs: [`sparse_input`] in the browser, else [`zero_columns`]) |
//! | conv2d | [`conv2d_forward`] | [`conv2d_backward`] |
//! | conv2d 3x3 + ReLU + 2x2 max pool (training) | [`conv3x3_relu_pool2_forward`] | [`conv3x3_relu_pool2_backward`] (Winograd) |
//! | max pool | [`maxpool2d_forward`] | [`maxpool2d_backward`] (or [`maxpool2d_relu_backward`] over a ReLU) |
//! | relu/sigmoid/tanh | [`activation_forward`] | [`activation_backward`] |
//! | dropout | [`dropout_forward`] | [`dropout_backward`] |
//! | losses | [`softmax_cross_entropy`], [`mse_one_hot`] (value + gradient + accuracy) | |
//! | optimizer | [`sgd_update`], [`momentum_update`], [`adam_update`], [`OptimizerState`] | |
//! | batch gather | [`gather_batch`], [`transform_image`], [`sample_bilinear`] | |
//!
//! Backward functions overwrite their outputs (they do not accumulate).
pub mod activation;
pub mod augment;
mod backend;
pub mod conv;
pub mod conv_one_channel;
pub mod dense;
pub mod dropout;
pub mod gemm;
pub mod im2col;
pub mod inference;
pub mod loss;
pub mod model;
pub mod optimizer;
pub mod pool;
pub mod sparse_input;
pub mod winograd;
pub mod workspace;
pub mod zero_columns;

pub use activation::{activation_backward, activation_forward};
pub use augment::{gather_batch, sample_bilinear, transform_image};
pub use backend::{CpuBackend, PartMetrics};
pub use conv::{
    conv2d_backward, conv2d_backward_from, conv2d_backward_reference, conv2d_forward,
    conv2d_forward_reference, conv2d_relu_maxpool_forward, Conv2dDims, OutputGrad,
};
pub use dense::{
    dense_backward, dense_backward_reference, dense_forward, dense_forward_reference,
    dense_weight_gradient,
};
pub use dropout::{dropout_backward, dropout_forward, dropout_forward_at, dropout_scale};
pub use inference::{Inference, InputGradient};
pub use loss::{argmax, mse_one_hot, mse_values, softmax_cross_entropy, LossResult};
pub use model::{Model, Workspace};
pub use optimizer::{
    adam_update, l1_penalty_gradient, momentum_update, sgd_update, OptimizerState,
};
pub use pool::{
    maxpool2d_backward, maxpool2d_forward, maxpool2d_forward_reference, maxpool2d_relu_backward,
};
pub use winograd::{conv3x3_relu_pool2_backward, conv3x3_relu_pool2_forward};
