//! Fitting a scaling law `L(N) = a * N^(-alpha) + c` to measured (size, loss) points, and the
//! plain log-log line `log L = log a - alpha * log N` (the same law with `c = 0`).
//!
//! The three-parameter fit uses variable projection: for a fixed irreducible loss `c` the law is a
//! straight line in `(log N, log(L - c))`, solved exactly by least squares. So only `c` is
//! searched: a grid over `[0, min L)`, then golden-section refinement around the best grid cell.
//! Every candidate is scored by the squared error in `log L` (not `log(L - c)`), so candidates
//! with different `c` compare in the same space. Fit quality is R² in that space.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// One measured point: `x` is the size (parameters or training samples), `loss` the validation loss.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitPoint {
    pub x: f64,
    pub loss: f64,
}

/// `log L = intercept + slope * log N` (natural logs); `alpha = -slope`, `a = exp(intercept)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LineFit {
    pub slope: f64,
    pub intercept: f64,
    pub alpha: f64,
    pub a: f64,
    /// R² of the line in log-log space.
    pub r2_log: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PowerLawFit {
    pub a: f64,
    pub alpha: f64,
    /// The irreducible loss the curve flattens towards (0 <= c < min loss).
    pub c: f64,
    /// R² of `log L` against `log(a N^-alpha + c)`.
    pub r2_log: f64,
    /// Root-mean-square residual in `log L`.
    pub rmse_log: f64,
    /// The plain log-log line through the same points, for comparison.
    pub line: LineFit,
    pub points: usize,
}

impl PowerLawFit {
    pub fn predict(&self, x: f64) -> f64 {
        self.a * x.powf(-self.alpha) + self.c
    }
}

/// Ordinary least squares `y = intercept + slope * x`; `None` when all `x` are equal.
fn least_squares(xs: &[f64], ys: &[f64]) -> Option<(f64, f64)> {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx <= 1e-300 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, my - slope * mx))
}

fn r_squared(ys: &[f64], predicted: impl Iterator<Item = f64>) -> (f64, f64) {
    let n = ys.len() as f64;
    let mean = ys.iter().sum::<f64>() / n;
    let ss_tot: f64 = ys.iter().map(|y| (y - mean) * (y - mean)).sum();
    let ss_res: f64 = ys
        .iter()
        .zip(predicted)
        .map(|(y, p)| (y - p) * (y - p))
        .sum();
    let r2 = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else {
        1.0
    };
    (r2, (ss_res / n).sqrt())
}

fn check(points: &[FitPoint], min: usize) -> Result<()> {
    if points.len() < min {
        return Err(Error::Config(format!(
            "a fit needs at least {min} points, got {}",
            points.len()
        )));
    }
    if let Some(p) = points
        .iter()
        .find(|p| !(p.x > 0.0 && p.loss > 0.0 && p.x.is_finite() && p.loss.is_finite()))
    {
        return Err(Error::Config(format!(
            "points need finite x > 0 and loss > 0, got {p:?}"
        )));
    }
    Ok(())
}

/// The log-log line through at least two points with distinct `x`.
pub fn fit_loglog(points: &[FitPoint]) -> Result<LineFit> {
    check(points, 2)?;
    let xs: Vec<f64> = points.iter().map(|p| p.x.ln()).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.loss.ln()).collect();
    let (slope, intercept) = least_squares(&xs, &ys)
        .ok_or_else(|| Error::Config("all points have the same x".into()))?;
    let (r2_log, _) = r_squared(&ys, xs.iter().map(|x| intercept + slope * x));
    Ok(LineFit {
        slope,
        intercept,
        alpha: -slope,
        a: intercept.exp(),
        r2_log,
    })
}

/// For a fixed `c`: the best `(a, alpha)` and the squared error in `log L`.
fn fit_given_c(log_x: &[f64], loss: &[f64], c: f64) -> Option<(f64, f64, f64)> {
    let ys: Vec<f64> = loss.iter().map(|l| (l - c).ln()).collect();
    let (slope, intercept) = least_squares(log_x, &ys)?;
    let (a, alpha) = (intercept.exp(), -slope);
    let sse = log_x
        .iter()
        .zip(loss)
        .map(|(lx, l)| {
            let r = l.ln() - (a * (-alpha * lx).exp() + c).ln();
            r * r
        })
        .sum::<f64>();
    sse.is_finite().then_some((a, alpha, sse))
}

/// Grid points over `c`; the refinement then narrows to well below the grid spacing.
const GRID: usize = 400;

/// `L = a N^-alpha + c` through at least three points with distinct `x`.
pub fn fit_power_law(points: &[FitPoint]) -> Result<PowerLawFit> {
    check(points, 3)?;
    let line = fit_loglog(points)?;
    let log_x: Vec<f64> = points.iter().map(|p| p.x.ln()).collect();
    let loss: Vec<f64> = points.iter().map(|p| p.loss).collect();
    let min_loss = loss.iter().cloned().fold(f64::INFINITY, f64::min);
    // c ranges over [0, min_loss); the top end is excluded (log(0) for the smallest loss).
    let c_at = |k: f64| min_loss * k / GRID as f64;
    let score = |c: f64| fit_given_c(&log_x, &loss, c).map_or(f64::INFINITY, |f| f.2);
    let best_k = (0..GRID)
        .map(|k| (k, score(c_at(k as f64))))
        .fold(
            (0, f64::INFINITY),
            |best, cur| if cur.1 < best.1 { cur } else { best },
        )
        .0;
    // Golden-section search on the bracket around the best grid point.
    let (mut lo, mut hi) = (
        c_at(best_k.saturating_sub(1) as f64),
        c_at((best_k + 1) as f64),
    );
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c1, mut c2) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut s1, mut s2) = (score(c1), score(c2));
    for _ in 0..80 {
        if s1 <= s2 {
            hi = c2;
            (c2, s2) = (c1, s1);
            c1 = hi - g * (hi - lo);
            s1 = score(c1);
        } else {
            lo = c1;
            (c1, s1) = (c2, s2);
            c2 = lo + g * (hi - lo);
            s2 = score(c2);
        }
    }
    let mut c = if s1 <= s2 { c1 } else { c2 };
    if score(c_at(best_k as f64)) < score(c) {
        c = c_at(best_k as f64);
    }
    let (a, alpha, _) = fit_given_c(&log_x, &loss, c)
        .ok_or_else(|| Error::Config("the power law does not fit these points".into()))?;
    let ys: Vec<f64> = loss.iter().map(|l| l.ln()).collect();
    let (r2_log, rmse_log) = r_squared(
        &ys,
        log_x.iter().map(|lx| (a * (-alpha * lx).exp() + c).ln()),
    );
    Ok(PowerLawFit {
        a,
        alpha,
        c,
        r2_log,
        rmse_log,
        line,
        points: points.len(),
    })
}
