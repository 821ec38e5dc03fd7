//! The optimizer's state read back and written (velocity or Adam's moments and step count), so a
//! trainer snapshot can resume a run exactly (src/trainer/snapshots.rs). Flat, in the parameter
//! buffer's layout: a snapshot only ever goes back into the backend it came from.
use super::GpuBackend;
use crate::error::{Error, Result};
use crate::optim::{OptimizerKind, OptimizerMoments};

impl GpuBackend {
    pub async fn read_moments(&mut self) -> Result<OptimizerMoments> {
        let kind = match self.state_kind {
            Some(k) if !self.reset_state => k,
            _ => return Ok(OptimizerMoments::default()),
        };
        let total = self.layout.total;
        let first = match kind {
            OptimizerKind::Sgd => Vec::new(),
            _ => {
                self.gpu
                    .read_f32(&self.staging, &self.opt_m, 0, total)
                    .await?
            }
        };
        let second = match kind {
            OptimizerKind::Adam => {
                self.gpu
                    .read_f32(&self.staging, &self.opt_v, 0, total)
                    .await?
            }
            _ => Vec::new(),
        };
        Ok(OptimizerMoments {
            kind: Some(kind),
            t: self.adam_t,
            first,
            second,
        })
    }

    /// Put back [`GpuBackend::read_moments`]; call after `write_params`, which resets them.
    pub fn write_moments(&mut self, m: &OptimizerMoments) -> Result<()> {
        let Some(kind) = m.kind else {
            self.reset_state = true;
            self.state_kind = None;
            self.adam_t = 0;
            return Ok(());
        };
        let total = self.layout.total;
        let (a, b) = match kind {
            OptimizerKind::Sgd => (0, 0),
            OptimizerKind::Momentum => (total, 0),
            OptimizerKind::Adam => (total, total),
        };
        if m.first.len() != a || m.second.len() != b {
            return Err(Error::Shape(format!(
                "optimizer state of {}+{} values for a {kind:?} state of {a}+{b}",
                m.first.len(),
                m.second.len()
            )));
        }
        let q = &self.gpu.queue;
        if a > 0 {
            q.write_buffer(&self.opt_m, 0, bytemuck::cast_slice(&m.first));
        }
        if b > 0 {
            q.write_buffer(&self.opt_v, 0, bytemuck::cast_slice(&m.second));
        }
        self.state_kind = Some(kind);
        self.adam_t = m.t;
        self.reset_state = false;
        self.gpu.check()
    }
}
