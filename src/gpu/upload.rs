//! Uploading a training set ([`TrainSet`]) and the dispatches that gather its batches: MNIST's
//! byte images through gather.wgsl (unchanged), the plane's feature rows through gather_rows.wgsl,
//! and for value targets the loss switched to loss_mse_values.wgsl over the gathered values.
use super::kernels::{Dispatch, Kernel};
use super::GpuBackend;
use crate::backend::{TrainInputs, TrainSet, TrainTargets};
use crate::error::Result;
use crate::spec::IMAGE_PIXELS;

impl GpuBackend {
    pub(super) fn upload_set(&mut self, set: TrainSet) -> Result<()> {
        let n = set.check(self.io, self.spec.loss)?;
        let values = matches!(set.targets, TrainTargets::Values(_));
        let gather = match set.inputs {
            TrainInputs::Images(images) => self.gather_images(images, set.targets),
            TrainInputs::Features(rows) => self.gather_rows(rows, set.targets),
        };
        self.gather = Some(gather);
        if values || self.batch_values.is_some() {
            self.set_loss(values);
        }
        self.train_len = n;
        self.gpu.check()
    }

    /// The target words of a set: labels as u32, values as their f32 bits.
    fn target_buffer(&self, targets: TrainTargets) -> wgpu::Buffer {
        match targets {
            TrainTargets::Classes(labels) => {
                let words: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
                self.gpu
                    .storage_init("train labels", bytemuck::cast_slice(&words))
            }
            TrainTargets::Values(values) => self
                .gpu
                .storage_init("train values", bytemuck::cast_slice(values)),
        }
    }

    fn gather_images(&self, images: &[u8], targets: TrainTargets) -> Dispatch {
        // 784 is a multiple of 4, so the packed words never straddle two images.
        let images_buf = self.gpu.storage_init("train images", images);
        let labels_buf = self.target_buffer(targets);
        let bind = self.pipes.bind(
            &self.gpu,
            Kernel::Gather,
            &[
                images_buf.as_entire_binding(),
                labels_buf.as_entire_binding(),
                self.indices.as_entire_binding(),
                self.transforms.as_entire_binding(),
                self.train.input().as_entire_binding(),
                self.batch_labels.as_entire_binding(),
                self.step_uniform.as_entire_binding(),
            ],
        );
        Dispatch {
            kernel: Kernel::Gather,
            bind,
            groups: Dispatch::grid(self.batch * IMAGE_PIXELS),
        }
    }

    fn gather_rows(&mut self, rows: &[f32], targets: TrainTargets) -> Dispatch {
        let width = self.io.inputs;
        let per_target = match targets {
            TrainTargets::Classes(_) => 1,
            TrainTargets::Values(_) => self.io.outputs,
        };
        let rows_buf = self
            .gpu
            .storage_init("train rows", bytemuck::cast_slice(rows));
        let targets_buf = self.target_buffer(targets);
        let out = match targets {
            TrainTargets::Classes(_) => self.batch_labels.clone(),
            TrainTargets::Values(_) => self
                .gpu
                .storage_f32("batch values", self.batch * per_target),
        };
        let uniform = self
            .gpu
            .uniform("gather rows", &[width as u32, per_target as u32]);
        let bind = self.pipes.bind(
            &self.gpu,
            Kernel::GatherRows,
            &[
                rows_buf.as_entire_binding(),
                targets_buf.as_entire_binding(),
                self.indices.as_entire_binding(),
                self.train.input().as_entire_binding(),
                out.as_entire_binding(),
                uniform.as_entire_binding(),
            ],
        );
        if matches!(targets, TrainTargets::Values(_)) {
            self.batch_values = Some(out);
        }
        Dispatch {
            kernel: Kernel::GatherRows,
            bind,
            groups: Dispatch::grid(self.batch * width),
        }
    }

    /// The step's loss dispatch (the first of `train_tail`): the spec's loss over the gathered
    /// labels, or MSE against the gathered values.
    fn set_loss(&mut self, values: bool) {
        let loss = if values {
            let targets = self.batch_values.as_ref().expect("gathered values");
            let dlogits = self.train.dlogits.as_ref().expect("training net");
            let bind = self.pipes.bind(
                &self.gpu,
                Kernel::LossMseValues,
                &[
                    self.train.output().as_entire_binding(),
                    targets.as_entire_binding(),
                    dlogits.as_entire_binding(),
                    self.metrics.as_entire_binding(),
                    self.step_uniform.as_entire_binding(),
                ],
            );
            Dispatch {
                kernel: Kernel::LossMseValues,
                bind,
                groups: [1, 1, 1],
            }
        } else {
            self.batch_values = None;
            self.train.loss_dispatch(
                &self.gpu,
                &self.pipes,
                self.spec.loss,
                &self.batch_labels,
                &self.metrics,
                &self.step_uniform,
            )
        };
        self.train_tail[0] = loss;
    }
}
