//! The plane's datasets, after TensorFlow Playground's `dataset.ts`: pure, seeded generators of
//! points in the square [-6, 6]^2 (the view's extent), each with a class or a regression value.
//!
//! `noise` is TF Playground's 0..0.5 slider (0-50 %): how far points are jittered relative to the
//! pattern's size (circle, XOR, spiral), or how wide the gaussians are.
use super::{Points, Targets, EXTENT};
use crate::error::{Error, Result};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use std::f32::consts::PI;

/// Which pattern to draw points from. `spiral` takes 2, 3 or 4 arms (one class each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    Circle,
    Xor,
    Gauss,
    Spiral,
    /// Regression: the value rises linearly along x1 + x2.
    Plane,
    /// Regression: six signed gaussian bumps.
    Multigauss,
}

impl DatasetKind {
    pub fn is_regression(self) -> bool {
        matches!(self, DatasetKind::Plane | DatasetKind::Multigauss)
    }
}

/// Most points a dataset may hold (generated plus drawn by hand).
pub const MAX_POINTS: usize = 5000;
/// Largest `noise` (TF Playground's 50 %).
pub const MAX_NOISE: f32 = 0.5;

/// `n` points of `kind` with `classes` classes (only a spiral has more than 2; ignored for a
/// regression), jittered by `noise`, the same for the same `seed`.
pub fn generate(
    kind: DatasetKind,
    classes: usize,
    n: usize,
    noise: f32,
    seed: u64,
) -> Result<Points> {
    if !(1..=MAX_POINTS).contains(&n) {
        return Err(Error::Data(format!(
            "{n} points is not in 1..={MAX_POINTS}"
        )));
    }
    if !(noise.is_finite() && (0.0..=MAX_NOISE).contains(&noise)) {
        return Err(Error::Data(format!(
            "noise {noise} is not in [0, {MAX_NOISE}]"
        )));
    }
    let wanted = if kind == DatasetKind::Spiral {
        2..=4
    } else {
        2..=2
    };
    if !kind.is_regression() && !wanted.contains(&classes) {
        return Err(Error::Data(format!(
            "{kind:?} has {wanted:?} classes, not {classes}"
        )));
    }
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(seed));
    Ok(match kind {
        DatasetKind::Circle => circle(&mut rng, n, noise),
        DatasetKind::Xor => xor(&mut rng, n, noise),
        DatasetKind::Gauss => two_gaussians(&mut rng, n, noise),
        DatasetKind::Spiral => spiral(&mut rng, n, noise, classes),
        DatasetKind::Plane => plane(&mut rng, n, noise),
        DatasetKind::Multigauss => multi_gaussian(&mut rng, n, noise),
    })
}

/// The seeded stream with the two draws the generators need.
struct Rng(ChaCha8Rng);

impl Rng {
    /// Uniform in [a, b).
    fn uniform(&mut self, a: f32, b: f32) -> f32 {
        let u = (self.0.next_u32() >> 8) as f32 / (1u32 << 24) as f32;
        a + (b - a) * u
    }

    /// Standard normal (Box-Muller), scaled by `sigma`.
    fn normal(&mut self, sigma: f32) -> f32 {
        let u1 = self.uniform(f32::EPSILON, 1.0);
        let u2 = self.uniform(0.0, 1.0);
        sigma * (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }
}

fn classified(xy: Vec<[f32; 2]>, labels: Vec<u8>, classes: usize) -> Points {
    Points {
        xy,
        targets: Targets::Classes { labels, classes },
    }
}

/// Class 1 inside radius 2.5, class 0 in the ring 3.5..5; the label follows the jittered point,
/// so noise blurs the gap between them.
fn circle(rng: &mut Rng, n: usize, noise: f32) -> Points {
    let radius = 5.0;
    let (mut xy, mut labels) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let (r0, r1) = if i < n / 2 {
            (0.0, radius * 0.5)
        } else {
            (radius * 0.7, radius)
        };
        let r = rng.uniform(r0, r1);
        let angle = rng.uniform(0.0, 2.0 * PI);
        let (x, y) = (r * angle.sin(), r * angle.cos());
        let jx = rng.uniform(-radius, radius) * noise;
        let jy = rng.uniform(-radius, radius) * noise;
        let inside = (x + jx).hypot(y + jy) < radius * 0.6;
        xy.push([x, y]);
        labels.push(inside as u8);
    }
    classified(xy, labels, 2)
}

/// Four quadrants, class 1 where x1 * x2 >= 0; points keep 0.3 away from the axes.
fn xor(rng: &mut Rng, n: usize, noise: f32) -> Points {
    let pad = 0.3;
    let (mut xy, mut labels) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let mut x = rng.uniform(-5.0, 5.0);
        x += if x > 0.0 { pad } else { -pad };
        let mut y = rng.uniform(-5.0, 5.0);
        y += if y > 0.0 { pad } else { -pad };
        let jx = rng.uniform(-5.0, 5.0) * noise;
        let jy = rng.uniform(-5.0, 5.0) * noise;
        labels.push(((x + jx) * (y + jy) >= 0.0) as u8);
        xy.push([x, y]);
    }
    classified(xy, labels, 2)
}

/// Two blobs at (2, 2) (class 1) and (-2, -2) (class 0); noise widens them (sigma 0.7..2).
fn two_gaussians(rng: &mut Rng, n: usize, noise: f32) -> Points {
    let sigma = 0.7 + (2.0 - 0.7) * noise / MAX_NOISE;
    let (mut xy, mut labels) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let class = (i % 2) as u8;
        let c = if class == 1 { 2.0 } else { -2.0 };
        xy.push([c + rng.normal(sigma), c + rng.normal(sigma)]);
        labels.push(class);
    }
    classified(xy, labels, 2)
}

/// `classes` interleaved arms turning 1.75 times out to radius 5, arm k rotated by 2 pi k / K.
fn spiral(rng: &mut Rng, n: usize, noise: f32, classes: usize) -> Points {
    let (mut xy, mut labels) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let per_arm = n.div_ceil(classes);
    for i in 0..n {
        let arm = i % classes;
        let j = (i / classes) as f32 / per_arm as f32;
        let r = j * 5.0;
        let t = 1.75 * j * 2.0 * PI + 2.0 * PI * arm as f32 / classes as f32;
        let x = r * t.sin() + rng.uniform(-1.0, 1.0) * noise;
        let y = r * t.cos() + rng.uniform(-1.0, 1.0) * noise;
        xy.push([x, y]);
        labels.push(arm as u8);
    }
    classified(xy, labels, classes)
}

/// Values in [-1, 1] rising along x1 + x2 (of the jittered point).
fn plane(rng: &mut Rng, n: usize, noise: f32) -> Points {
    let (mut xy, mut values) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let x = rng.uniform(-EXTENT, EXTENT);
        let y = rng.uniform(-EXTENT, EXTENT);
        let jx = rng.uniform(-EXTENT, EXTENT) * noise;
        let jy = rng.uniform(-EXTENT, EXTENT) * noise;
        values.push(((x + jx + y + jy) / (2.0 * EXTENT)).clamp(-1.0, 1.0));
        xy.push([x, y]);
    }
    Points {
        xy,
        targets: Targets::Values(values),
    }
}

/// Six gaussian bumps of alternating sign on a 3 x 2 grid; a point's value is the bump whose
/// magnitude is largest there, in [-1, 1].
fn multi_gaussian(rng: &mut Rng, n: usize, noise: f32) -> Points {
    const BUMPS: [(f32, f32, f32); 6] = [
        (-4.0, 2.5, 1.0),
        (0.0, 2.5, -1.0),
        (4.0, 2.5, 1.0),
        (-4.0, -2.5, -1.0),
        (0.0, -2.5, 1.0),
        (4.0, -2.5, -1.0),
    ];
    let (mut xy, mut values) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let x = rng.uniform(-EXTENT, EXTENT);
        let y = rng.uniform(-EXTENT, EXTENT);
        let px = x + rng.uniform(-EXTENT, EXTENT) * noise;
        let py = y + rng.uniform(-EXTENT, EXTENT) * noise;
        let mut value = 0.0f32;
        for (cx, cy, sign) in BUMPS {
            let d2 = (px - cx).powi(2) + (py - cy).powi(2);
            let bump = sign * (-d2 / (2.0 * 1.6 * 1.6)).exp();
            if bump.abs() > value.abs() {
                value = bump;
            }
        }
        xy.push([x, y]);
        values.push(value);
    }
    Points {
        xy,
        targets: Targets::Values(values),
    }
}
