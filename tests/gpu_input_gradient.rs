//! The GPU backend's input gradient (`Backend::input_gradient`: the training backward run down
//! to the pixels) against the CPU reference's, for both presets and a spec with dropout, after a
//! training step so the layer stats' gradients exist, which the input gradient must not touch.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{assert_close, mnist, or_skip};
use gradient_garden::backend::{Backend, TrainBatch};
use gradient_garden::cpu::CpuBackend;
use gradient_garden::gpu::GpuBackend;
use gradient_garden::init::init_params;
use gradient_garden::optim::OptimizerConfig;
use gradient_garden::spec::{ModelSpec, IMAGE_PIXELS};
use pollster::block_on;

fn check(spec: &ModelSpec, what: &str) {
    let params = init_params(spec, 5).unwrap();
    let Some(mut gpu) = or_skip(block_on(GpuBackend::new(spec, &params, 4))) else {
        return;
    };
    let mut cpu = CpuBackend::new(spec, &params, 4).unwrap();
    let data = mnist();
    let batch = TrainBatch {
        indices: &[0, 1, 2, 3],
        transforms: &[],
        seed: 9,
    };
    let opt = OptimizerConfig::default();
    for b in [&mut gpu as &mut dyn StepOnly, &mut cpu] {
        b.step(&data, &batch, &opt);
    }
    let stats_before = block_on(gpu.layer_stats()).unwrap();
    // Eleven images: a full chunk of 8 and a partial one; targets of every kind.
    let n = 11;
    let images: Vec<f32> = data.images[..n * IMAGE_PIXELS]
        .iter()
        .map(|&b| b as f32 / 255.0)
        .collect();
    let targets: Vec<usize> = (0..n).map(|k| (k * 7) % 10).collect();
    let want = block_on(cpu.input_gradient(&images, &targets)).unwrap();
    let got = block_on(gpu.input_gradient(&images, &targets)).unwrap();
    assert_close(
        &format!("{what} logits"),
        &got.logits,
        &want.logits,
        5e-3,
        1e-5,
    );
    assert_close(
        &format!("{what} dX"),
        &got.gradient,
        &want.gradient,
        5e-3,
        1e-5,
    );
    assert!(
        want.gradient.iter().any(|g| g.abs() > 1e-3),
        "{what}: an all-zero gradient"
    );
    assert_eq!(
        block_on(gpu.layer_stats()).unwrap(),
        stats_before,
        "{what}: stats changed"
    );
}

/// Uploading a set and taking a step, on either backend.
trait StepOnly {
    fn step(
        &mut self,
        data: &gradient_garden::data::mnist::Mnist,
        batch: &TrainBatch,
        opt: &OptimizerConfig,
    );
}

impl<B: Backend> StepOnly for B {
    fn step(
        &mut self,
        data: &gradient_garden::data::mnist::Mnist,
        batch: &TrainBatch,
        opt: &OptimizerConfig,
    ) {
        self.upload_train_set(&data.images, &data.labels).unwrap();
        self.train_step(batch, opt).unwrap();
        block_on(self.take_metrics()).unwrap();
    }
}

#[test]
fn gpu_input_gradient_matches_cpu_mlp() {
    check(&ModelSpec::preset("mlp").unwrap(), "mlp");
}

#[test]
fn gpu_input_gradient_matches_cpu_cnn() {
    check(&ModelSpec::preset("cnn").unwrap(), "cnn");
}

#[test]
fn gpu_input_gradient_matches_cpu_with_dropout() {
    let spec = ModelSpec::from_json(
        r#"{"input":[1,28,28],"layers":[
            {"type":"conv2d","filters":4,"kernel":3,"padding":"same"},{"type":"relu"},
            {"type":"max_pool2d","size":2},{"type":"flatten"},{"type":"dropout","rate":0.5},
            {"type":"dense","units":10}]}"#,
    )
    .unwrap();
    check(&spec, "conv + dropout");
}
