//! MNIST IDX parsing. Pixels stay `u8` (784 per image) until a backend scales them by 1/255.
use crate::error::{Error, Result};
use std::io::Read;

#[derive(Clone, Debug)]
pub struct Mnist {
    /// `n * 784` bytes, row-major 28x28 per image.
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Mnist {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Parse an images file and a labels file, each raw IDX or gzip-compressed IDX.
    pub fn from_idx(images: &[u8], labels: &[u8]) -> Result<Self> {
        let images = maybe_gunzip(images)?;
        let labels = maybe_gunzip(labels)?;
        let (dims, pixels) = parse_idx(&images, 2051, 3)?;
        if dims[1] != 28 || dims[2] != 28 {
            return Err(Error::Data(format!(
                "images are {}x{}, expected 28x28",
                dims[1], dims[2]
            )));
        }
        let (ldims, labels) = parse_idx(&labels, 2049, 1)?;
        if ldims[0] != dims[0] {
            return Err(Error::Data(format!(
                "{} images but {} labels",
                dims[0], ldims[0]
            )));
        }
        if let Some(bad) = labels.iter().find(|&&l| l > 9) {
            return Err(Error::Data(format!("label {bad} is not a digit")));
        }
        Ok(Self {
            images: pixels.to_vec(),
            labels: labels.to_vec(),
        })
    }

    /// The first `n` samples (or all, if fewer).
    pub fn take(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            images: self.images[..n * 784].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }

    /// Samples `[start, end)` as floats in [0, 1].
    pub fn pixels_f32(&self, start: usize, end: usize) -> Vec<f32> {
        self.images[start * 784..end * 784]
            .iter()
            .map(|&p| p as f32 / 255.0)
            .collect()
    }

    /// Read `<dir>/<prefix>-images-idx3-ubyte.gz` and the matching labels file.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_dir(dir: &std::path::Path, prefix: &str) -> Result<Self> {
        let read = |kind: &str, idx: u8| {
            let path = dir.join(format!("{prefix}-{kind}-idx{idx}-ubyte.gz"));
            std::fs::read(&path).map_err(|e| Error::Data(format!("{}: {e}", path.display())))
        };
        Self::from_idx(&read("images", 3)?, &read("labels", 1)?)
    }
}

fn maybe_gunzip(bytes: &[u8]) -> Result<Vec<u8>> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| Error::Data(format!("gzip: {e}")))?;
        Ok(out)
    } else {
        Ok(bytes.to_vec())
    }
}

/// Check the big-endian IDX header (`magic`, then `ndim` u32 sizes) and return the sizes and payload.
fn parse_idx(bytes: &[u8], magic: u32, ndim: usize) -> Result<(Vec<usize>, &[u8])> {
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(Error::Data("IDX file is shorter than its header".into()));
    }
    let word = |i: usize| u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap());
    if word(0) != magic {
        return Err(Error::Data(format!(
            "IDX magic is {}, expected {magic}",
            word(0)
        )));
    }
    let dims: Vec<usize> = (1..=ndim).map(|i| word(i) as usize).collect();
    let n: usize = dims.iter().product();
    let payload = &bytes[header..];
    if payload.len() != n {
        return Err(Error::Data(format!(
            "IDX payload has {} bytes, header says {n}",
            payload.len()
        )));
    }
    Ok((dims, payload))
}
