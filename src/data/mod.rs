//! Datasets: MNIST in IDX format (optionally gzip), and the batch plans the trainer draws from it.
pub mod batches;
pub mod mnist;

use crate::error::{Error, Result};
use crate::spec::IMAGE_PIXELS;

/// One image for prediction: 784 finite values (a NaN would flow silently into every output).
pub fn check_image(image: &[f32]) -> Result<()> {
    if image.len() != IMAGE_PIXELS {
        return Err(Error::Shape(format!(
            "an image has {IMAGE_PIXELS} pixels, got {}",
            image.len()
        )));
    }
    if let Some(i) = image.iter().position(|v| !v.is_finite()) {
        return Err(Error::Shape(format!(
            "pixel {i} is {}, not a finite number",
            image[i]
        )));
    }
    Ok(())
}
