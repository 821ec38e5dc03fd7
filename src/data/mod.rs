//! Datasets: MNIST in IDX format (optionally gzip), and the batch plans the trainer draws from it.
pub mod batches;
pub mod dataset;
pub mod grow;
pub mod mnist;

use crate::error::{Error, Result};
use crate::spec::IMAGE_PIXELS;

/// One image for prediction: 784 values in [0, 1] (a NaN would flow silently into every output,
/// and a pixel of 1e30 gives confident nonsense). Every door an image enters the engine by uses
/// this: `Inference`, `Trainer::predict` and `Trainer::activations`, the labs' models.
pub fn check_image(image: &[f32]) -> Result<()> {
    if image.len() != IMAGE_PIXELS {
        return Err(Error::Shape(format!(
            "an image has {IMAGE_PIXELS} pixels, got {}",
            image.len()
        )));
    }
    if let Some(i) = image.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(Error::Shape(format!(
            "pixel {i} is {}, not a number in [0, 1]",
            image[i]
        )));
    }
    Ok(())
}
