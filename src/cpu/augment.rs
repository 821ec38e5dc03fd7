//! Building a training batch: gather images by index from the `u8` training set, scale to [0, 1],
//! and optionally warp each one with its own affine transform (see `TrainBatch::transforms`).
//!
//! Conventions the GPU gather kernel mirrors: output pixel `(x, y)` is column `x`, row `y`, both
//! integers 0..=27; the transform `[a, b, c, d, e, f]` sends it to the source point
//! `(sx, sy) = (a*x + b*y + c, d*x + e*y + f)`; source pixel centres sit at integer coordinates,
//! and the value is the bilinear blend of the four surrounding pixels, each 0 outside the image.
use crate::error::{Error, Result};
use crate::spec::IMAGE_PIXELS;

const SIDE: usize = 28;

/// Pixel `(x, y)` of a 28x28 `u8` image in [0, 1], or 0 outside the image.
fn pixel(image: &[u8], x: i64, y: i64) -> f32 {
    if (0..SIDE as i64).contains(&x) && (0..SIDE as i64).contains(&y) {
        image[y as usize * SIDE + x as usize] as f32 / 255.0
    } else {
        0.0
    }
}

/// Bilinear sample of a 28x28 `u8` image at the source point `(sx, sy)`, in [0, 1].
pub fn sample_bilinear(image: &[u8], sx: f32, sy: f32) -> f32 {
    let (x0, y0) = (sx.floor(), sy.floor());
    let (fx, fy) = (sx - x0, sy - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    (1.0 - fx) * (1.0 - fy) * pixel(image, x0, y0)
        + fx * (1.0 - fy) * pixel(image, x0 + 1, y0)
        + (1.0 - fx) * fy * pixel(image, x0, y0 + 1)
        + fx * fy * pixel(image, x0 + 1, y0 + 1)
}

/// Writes the warped image: `out[y*28 + x] = sample_bilinear(image, a*x + b*y + c, d*x + e*y + f)`.
pub fn transform_image(out: &mut [f32], image: &[u8], t: &[f32; 6]) {
    let [a, b, c, d, e, f] = *t;
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (xf, yf) = (x as f32, y as f32);
            out[y * SIDE + x] = sample_bilinear(image, a * xf + b * yf + c, d * xf + e * yf + f);
        }
    }
}

/// Gathers `indices.len()` samples into `out` (`n * 784` floats) and `labels_out` (`n` labels).
/// `transforms` is empty (plain copy, `pixel / 255`) or holds one transform per sample.
pub fn gather_batch(
    out: &mut [f32],
    labels_out: &mut [u8],
    images: &[u8],
    labels: &[u8],
    indices: &[u32],
    transforms: &[[f32; 6]],
) -> Result<()> {
    if !transforms.is_empty() && transforms.len() != indices.len() {
        return Err(Error::Shape(format!(
            "{} transforms for a batch of {}",
            transforms.len(),
            indices.len()
        )));
    }
    if out.len() != indices.len() * IMAGE_PIXELS || labels_out.len() != indices.len() {
        return Err(Error::Shape(format!(
            "batch buffers hold {} images, the batch has {}",
            labels_out.len(),
            indices.len()
        )));
    }
    let mut touched = 0u8;
    for (b, &index) in indices.iter().enumerate() {
        // Images sit at random places in a set far larger than the caches, and each one's copy
        // waits on memory; reading a byte of each cache line of the image AHEAD places on starts
        // those loads early, several images' at a time.
        if let Some(&ahead) = indices.get(b + AHEAD) {
            touched ^= touch(images, ahead as usize * IMAGE_PIXELS)
                ^ labels.get(ahead as usize).copied().unwrap_or(0);
        }
        let i = index as usize;
        if i >= labels.len() {
            return Err(Error::Data(format!(
                "sample index {i} is outside the training set of {}",
                labels.len()
            )));
        }
        let image = &images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS];
        let dst = &mut out[b * IMAGE_PIXELS..(b + 1) * IMAGE_PIXELS];
        match transforms.get(b) {
            Some(t) => transform_image(dst, image, t),
            None => {
                for (o, &p) in dst.iter_mut().zip(image) {
                    *o = p as f32 / 255.0;
                }
            }
        }
        labels_out[b] = labels[i];
    }
    std::hint::black_box(touched); // the touches are kept only if their bytes are used
    Ok(())
}

/// How many images ahead of the copy `gather_batch` touches (natively, 128 random images of
/// 60,000: 0.062 ms a batch without, 0.054 / 0.049 / 0.053 ms touching 2 / 8 / 16 ahead).
const AHEAD: usize = 8;

/// The XOR of one byte per 64-byte cache line of the image at `start` (0 past the set's end).
fn touch(images: &[u8], start: usize) -> u8 {
    let image = images.get(start..start + IMAGE_PIXELS).unwrap_or(&[]);
    image.iter().step_by(64).fold(0, |acc, &p| acc ^ p)
}
