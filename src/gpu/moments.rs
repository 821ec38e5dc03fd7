//! The optimizer's state read back and written (velocity or Adam's moments and step count), so a
//! trainer snapshot can resume a run exactly (src/trainer/snapshots.rs). Flat, in the parameter
//! buffer's layout: a snapshot only ever goes back into the backend it came from.
use super::GpuBackend;
use crate::error::Result;
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
        m.check_fits(kind, self.layout.total)?;
        let q = &self.gpu.queue;
        if !m.first.is_empty() {
            q.write_buffer(&self.opt_m, 0, bytemuck::cast_slice(&m.first));
        }
        if !m.second.is_empty() {
            q.write_buffer(&self.opt_v, 0, bytemuck::cast_slice(&m.second));
        }
        self.state_kind = Some(kind);
        self.adam_t = m.t;
        self.reset_state = false;
        self.gpu.check()
    }
}
