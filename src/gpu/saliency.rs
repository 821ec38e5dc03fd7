//! The input gradient on the GPU (`Backend::input_gradient`): the training backward's kernels run
//! one layer further, down to the pixels (layer 0's dX: the transposed product for a dense layer,
//! W^T dY then col2im for a conv), over an inference forward pass. One command encoder per chunk
//! (write input and one-hot dY, forward, backward), one readback of logits and dX at the end.
use super::net::Net;
use super::ops::Shared;
use super::GpuBackend;
use crate::cpu::InputGradient;
use crate::error::{Error, Result};
use crate::spec::{CLASSES, IMAGE_PIXELS};

/// Images per pass: a saliency map asks for one, SmoothGrad and integrated gradients for tens.
pub const INPUT_GRAD_CHUNK: usize = 8;

/// Built on the first request, so training never pays for it.
pub struct InputGradNet {
    net: Net,
    /// The pass's parameter gradients land here, not in the training step's gradient buffer.
    _scratch_grads: wgpu::Buffer,
    staging: wgpu::Buffer,
}

impl GpuBackend {
    /// `d logit[targets[k]] / d image_k` for `targets.len()` images, with their logits.
    pub async fn input_gradient(
        &mut self,
        images: &[f32],
        targets: &[usize],
    ) -> Result<InputGradient> {
        if images.is_empty() || targets.len() * IMAGE_PIXELS != images.len() {
            return Err(Error::Shape(format!(
                "{} targets for {} values",
                targets.len(),
                images.len()
            )));
        }
        if let Some(t) = targets.iter().find(|&&t| t >= CLASSES) {
            return Err(Error::Shape(format!("target class {t} is not 0..9")));
        }
        if self.input_grad.is_none() {
            let scratch = self
                .gpu
                .storage_f32("input-gradient param grads", self.layout.total);
            let shared = Shared {
                params: &self.params,
                grads: &scratch,
                step: &self.step_uniform,
                layout: &self.layout,
            };
            let spec = self.spec.clone();
            let net =
                Net::input_gradient(&self.gpu, &self.pipes, &spec, &shared, INPUT_GRAD_CHUNK)?;
            let staging = self
                .gpu
                .staging(4 * (INPUT_GRAD_CHUNK * IMAGE_PIXELS) as u64);
            self.input_grad = Some(InputGradNet {
                net,
                _scratch_grads: scratch,
                staging,
            });
        }
        let ig = self.input_grad.as_ref().expect("just built");
        let (net, staging) = (&ig.net, &ig.staging);
        let dinput = net.dinput.as_ref().expect("an input-gradient net");
        let dlogits = net.dlogits.as_ref().expect("an input-gradient net");
        let mut out = InputGradient {
            logits: Vec::with_capacity(targets.len() * CLASSES),
            gradient: Vec::with_capacity(images.len()),
        };
        for (chunk, chunk_targets) in images
            .chunks(INPUT_GRAD_CHUNK * IMAGE_PIXELS)
            .zip(targets.chunks(INPUT_GRAD_CHUNK))
        {
            let n = chunk_targets.len();
            let mut input = chunk.to_vec();
            input.resize(INPUT_GRAD_CHUNK * IMAGE_PIXELS, 0.0);
            // Padding rows get dY = 0: they add nothing and their dX is never read.
            let mut dy = vec![0.0f32; INPUT_GRAD_CHUNK * CLASSES];
            for (k, &t) in chunk_targets.iter().enumerate() {
                dy[k * CLASSES + t] = 1.0;
            }
            let queue = &self.gpu.queue;
            queue.write_buffer(net.input(), 0, bytemuck::cast_slice(&input));
            queue.write_buffer(dlogits, 0, bytemuck::cast_slice(&dy));
            self.submit(&[&net.forward, &net.backward], &[]);
            let logits = self
                .gpu
                .read_f32(staging, net.output(), 0, n * CLASSES)
                .await?;
            out.logits.extend_from_slice(&logits);
            let grad = self
                .gpu
                .read_f32(staging, dinput, 0, n * IMAGE_PIXELS)
                .await?;
            out.gradient.extend_from_slice(&grad);
        }
        Ok(out)
    }
}
