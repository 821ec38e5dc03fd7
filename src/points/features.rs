//! The plane's inputs, as in TensorFlow Playground: each feature is a fixed function of the
//! point, so a linear model over x1^2 and x2^2 can already draw a circle.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Feature {
    #[serde(rename = "x1")]
    X1,
    #[serde(rename = "x2")]
    X2,
    #[serde(rename = "x1^2")]
    X1Squared,
    #[serde(rename = "x2^2")]
    X2Squared,
    #[serde(rename = "x1*x2")]
    X1TimesX2,
    #[serde(rename = "sin(x1)")]
    SinX1,
    #[serde(rename = "sin(x2)")]
    SinX2,
}

impl Feature {
    pub const ALL: [Feature; 7] = [
        Feature::X1,
        Feature::X2,
        Feature::X1Squared,
        Feature::X2Squared,
        Feature::X1TimesX2,
        Feature::SinX1,
        Feature::SinX2,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Feature::X1 => "x1",
            Feature::X2 => "x2",
            Feature::X1Squared => "x1^2",
            Feature::X2Squared => "x2^2",
            Feature::X1TimesX2 => "x1*x2",
            Feature::SinX1 => "sin(x1)",
            Feature::SinX2 => "sin(x2)",
        }
    }

    pub fn parse(name: &str) -> Result<Feature> {
        Feature::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
                Error::Config(format!(
                    "unknown feature '{name}' (known: {})",
                    known.join(", ")
                ))
            })
    }

    pub fn of(self, [x1, x2]: [f32; 2]) -> f32 {
        match self {
            Feature::X1 => x1,
            Feature::X2 => x2,
            Feature::X1Squared => x1 * x1,
            Feature::X2Squared => x2 * x2,
            Feature::X1TimesX2 => x1 * x2,
            Feature::SinX1 => x1.sin(),
            Feature::SinX2 => x2.sin(),
        }
    }
}

/// The model's input rows: `[points.len(), features.len()]`, row-major.
pub fn feature_rows(points: &[[f32; 2]], features: &[Feature]) -> Vec<f32> {
    let mut out = Vec::with_capacity(points.len() * features.len());
    for &p in points {
        out.extend(features.iter().map(|f| f.of(p)));
    }
    out
}

/// The centres of an `n x n` grid over the square [-extent, extent]^2, row by row from the top
/// (x2 = +extent) left (x1 = -extent): the order a heatmap's pixels are in.
pub fn grid_points(n: usize, extent: f32) -> Vec<[f32; 2]> {
    let cell = 2.0 * extent / n as f32;
    let mut out = Vec::with_capacity(n * n);
    for row in 0..n {
        let x2 = extent - (row as f32 + 0.5) * cell;
        for col in 0..n {
            out.push([-extent + (col as f32 + 0.5) * cell, x2]);
        }
    }
    out
}
