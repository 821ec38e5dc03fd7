//! Optimizer updates for one parameter tensor, PyTorch semantics (`torch.optim.SGD` with and
//! without momentum, `torch.optim.Adam`), with L2 weight decay added to the gradient first:
//! `g' = g + weight_decay * w`, and the L1 penalty's gradient when `l1 > 0` (see
//! [`l1_penalty_gradient`]).
//!
//! State rule shared with the GPU backend: momentum and Adam buffers start at zero, and when the
//! optimizer *kind* changes between two steps all state is reset (buffers zeroed, Adam's `t` back
//! to 0), as if the user had built a fresh PyTorch optimizer. Changing `lr`, `momentum`, betas,
//! `eps` or `weight_decay` keeps the state.
use crate::error::Result;
use crate::optim::{OptimizerConfig, OptimizerKind, OptimizerMoments};
use crate::tensor::l2;

/// `w -= lr * (g + wd * w)`.
pub fn sgd_update(w: &mut [f32], g: &[f32], lr: f32, weight_decay: f32) {
    for (w, &g) in w.iter_mut().zip(g) {
        *w -= lr * (g + weight_decay * *w);
    }
}

/// `v = mu * v + g'; w -= lr * v` (PyTorch's form: no dampening, no Nesterov; on the first step
/// PyTorch sets `v = g'`, which is the same thing with `v` starting at zero).
pub fn momentum_update(
    w: &mut [f32],
    velocity: &mut [f32],
    g: &[f32],
    lr: f32,
    mu: f32,
    weight_decay: f32,
) {
    for ((w, v), &g) in w.iter_mut().zip(velocity.iter_mut()).zip(g) {
        *v = mu * *v + g + weight_decay * *w;
        *w -= lr * *v;
    }
}

/// Bias-corrected Adam step number `t` (counted from 1):
/// `m = b1 m + (1-b1) g'`, `v = b2 v + (1-b2) g'^2`,
/// `w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`: PyTorch's own order
/// (`step_size`, `denom`, `addcdiv_`), which spends one division per element on the bias
/// correction less than `m_hat / (sqrt(v_hat) + eps)` and rounds like the reference.
pub fn adam_update(
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    g: &[f32],
    t: u64,
    cfg: &OptimizerConfig,
) {
    let (b1, b2) = (cfg.beta1, cfg.beta2);
    // The bias corrections in f64, as PyTorch computes them (in Python floats) per step.
    let t = t.min(i32::MAX as u64) as i32;
    let step_size = (cfg.lr as f64 / (1.0 - (b1 as f64).powi(t))) as f32;
    let bc2_sqrt = (1.0 - (b2 as f64).powi(t)).sqrt() as f32;
    let (wd, eps) = (cfg.weight_decay, cfg.eps);
    // Slices of one length and an index loop: no bounds checks, so the loop vectorizes (a zip of
    // four iterators did not in wasm).
    let n = w.len();
    let (m, v, g) = (&mut m[..n], &mut v[..n], &g[..n]);
    for i in 0..n {
        let g = g[i] + wd * w[i];
        let mi = b1 * m[i] + (1.0 - b1) * g;
        let vi = b2 * v[i] + (1.0 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        let denom = vi.sqrt() / bc2_sqrt + eps;
        w[i] -= step_size * mi / denom;
    }
}

/// `g + l1 * sign(w)`: the gradient of the loss plus `l1 * sum |w|`, with sign(0) = 0 (a weight
/// already at zero is not pushed either way). The GPU twin is shaders/l1_penalty_gradient.wgsl.
pub fn l1_penalty_gradient(g: &[f32], w: &[f32], l1: f32) -> Vec<f32> {
    g.iter().zip(w).map(|(&g, &w)| g + l1 * sign(w)).collect()
}

/// 1, -1 or 0 (for 0: the L1 penalty does not push a weight already at zero).
fn sign(w: f32) -> f32 {
    if w > 0.0 {
        1.0
    } else if w < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Optimizer state of a whole model: one set of buffers per parameter tensor.
#[derive(Clone, Debug)]
pub struct OptimizerState {
    kind: Option<OptimizerKind>,
    /// Adam's step counter; the next Adam step uses `t + 1`.
    t: u64,
    /// Momentum velocity, Adam first and second moments, per parameter tensor (allocated lazily).
    buffers: Vec<[Vec<f32>; 2]>,
    sizes: Vec<usize>,
}

impl OptimizerState {
    pub fn new(sizes: &[usize]) -> Self {
        Self {
            kind: None,
            t: 0,
            buffers: Vec::new(),
            sizes: sizes.to_vec(),
        }
    }

    /// The state as plain data (buffers concatenated in state_dict order).
    pub fn moments(&self) -> OptimizerMoments {
        OptimizerMoments {
            kind: self.kind,
            t: self.t,
            first: self
                .buffers
                .iter()
                .flat_map(|[a, _]| a.iter().copied())
                .collect(),
            second: self
                .buffers
                .iter()
                .flat_map(|[_, b]| b.iter().copied())
                .collect(),
        }
    }

    /// Put back a state from [`OptimizerState::moments`] of the same model.
    pub fn set_moments(&mut self, m: &OptimizerMoments) -> Result<()> {
        let Some(kind) = m.kind else {
            self.reset();
            return Ok(());
        };
        m.check_fits(kind, self.sizes.iter().sum())?;
        let (mut first, mut second) = (&m.first[..], &m.second[..]);
        self.buffers = self
            .sizes
            .iter()
            .map(|&n| {
                let (na, nb) = (n.min(first.len()), n.min(second.len()));
                let (fa, ra) = first.split_at(na);
                let (fb, rb) = second.split_at(nb);
                first = ra;
                second = rb;
                [fa.to_vec(), fb.to_vec()]
            })
            .collect();
        self.kind = Some(kind);
        self.t = m.t;
        Ok(())
    }

    /// Forget everything (new parameters were written).
    pub fn reset(&mut self) {
        self.kind = None;
        self.t = 0;
        self.buffers.clear();
    }

    /// Call once per training step before [`OptimizerState::update`]: resets the state if the
    /// kind changed and advances Adam's step counter.
    pub fn begin_step(&mut self, cfg: &OptimizerConfig) {
        if self.kind != Some(cfg.kind) {
            self.reset();
            self.kind = Some(cfg.kind);
            let slots = match cfg.kind {
                OptimizerKind::Sgd => 0,
                OptimizerKind::Momentum => 1,
                OptimizerKind::Adam => 2,
            };
            self.buffers = self
                .sizes
                .iter()
                .map(|&n| [vec![0.0; n * slots.min(1)], vec![0.0; n * (slots / 2)]])
                .collect();
        }
        self.t += 1;
    }

    /// The L2 norm of the update the last step applied to tensor `index` (with settings `cfg`),
    /// recomputed from what the step left, for the gradient-flow charts: Adam's
    /// `step_size * m / (sqrt(v) / sqrt(1 - b2^t) + eps)` and momentum's `lr * v` from the
    /// moments it wrote (decay and L1 are inside them); SGD's `lr * (g + wd * w + l1 * sign(w))`
    /// from its gradient `g` and the weights `w` after it (off by a relative `lr * wd`, and by
    /// `2 lr l1` for a weight the step moved across zero). For Adam and momentum it equals
    /// `|new - old|` to float rounding. No step keeps a copy of its old weights for this. 0
    /// before any step.
    pub fn last_update_norm(
        &self,
        index: usize,
        w: &[f32],
        g: &[f32],
        cfg: &OptimizerConfig,
    ) -> f32 {
        let Some([a, b]) = self.buffers.get(index) else {
            return 0.0;
        };
        match self.kind {
            None => 0.0,
            Some(OptimizerKind::Sgd) => l2(w.iter().zip(g).map(|(&w, &g)| {
                let l1 = if cfg.l1 > 0.0 { cfg.l1 * sign(w) } else { 0.0 };
                cfg.lr * (g + cfg.weight_decay * w + l1)
            })),
            Some(OptimizerKind::Momentum) => l2(a.iter().map(|&v| cfg.lr * v)),
            Some(OptimizerKind::Adam) => {
                let t = self.t.min(i32::MAX as u64) as i32;
                let step_size = (cfg.lr as f64 / (1.0 - (cfg.beta1 as f64).powi(t))) as f32;
                let bc2_sqrt = (1.0 - (cfg.beta2 as f64).powi(t)).sqrt() as f32;
                l2(a.iter()
                    .zip(b)
                    .map(|(&m, &v)| step_size * m / (v.sqrt() / bc2_sqrt + cfg.eps)))
            }
        }
    }

    /// Apply this step's update to parameter tensor `index`.
    pub fn update(&mut self, index: usize, w: &mut [f32], g: &[f32], cfg: &OptimizerConfig) {
        let with_l1;
        let g = if cfg.l1 > 0.0 {
            with_l1 = l1_penalty_gradient(g, w, cfg.l1);
            &with_l1[..]
        } else {
            g
        };
        let [a, b] = &mut self.buffers[index];
        match cfg.kind {
            OptimizerKind::Sgd => sgd_update(w, g, cfg.lr, cfg.weight_decay),
            OptimizerKind::Momentum => {
                momentum_update(w, a, g, cfg.lr, cfg.momentum, cfg.weight_decay)
            }
            OptimizerKind::Adam => adam_update(w, a, b, g, self.t, cfg),
        }
    }
}
