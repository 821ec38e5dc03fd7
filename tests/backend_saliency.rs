//! Saliency on the engine's backends (`explain::backend_saliency`, the page's
//! `saliency({on: 'engine'})`): the CPU training backend and the GPU backend (on lavapipe) give
//! the inference model's map for all three methods, the default target and a chosen one, with
//! the shipped CNN's weights on a t10k digit.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{assert_close, or_skip};
use gradient_garden::cpu::{CpuBackend, Inference};
use gradient_garden::data::mnist::Mnist;
use gradient_garden::explain::{backend_saliency, saliency, Method};
use gradient_garden::gpu::GpuBackend;
use gradient_garden::spec::IMAGE_PIXELS;
use gradient_garden::weights;
use pollster::block_on;
use std::path::Path;

fn setup() -> (
    Inference,
    Vec<f32>,
    gradient_garden::spec::ModelSpec,
    Vec<gradient_garden::tensor::Param>,
) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("www/models/cnn.safetensors")).unwrap();
    let (spec, params) = weights::from_safetensors(&bytes).unwrap();
    let data = Mnist::load_dir(&root.join("www/data"), "t10k")
        .unwrap()
        .take(1);
    let image = data.images[..IMAGE_PIXELS]
        .iter()
        .map(|&b| b as f32 / 255.0)
        .collect();
    (Inference::new(&spec, &params).unwrap(), image, spec, params)
}

const METHODS: [&str; 3] = ["gradient", "smoothgrad", "integrated"];

#[test]
fn cpu_backend_gives_the_inference_map() {
    let (mut model, image, spec, params) = setup();
    let mut cpu = CpuBackend::new(&spec, &params, 4).unwrap();
    for name in METHODS {
        for target in [None, Some(3)] {
            let method = Method::parse(name).unwrap();
            let want = saliency(&mut model, &image, method, target).unwrap();
            let got = block_on(backend_saliency(&mut cpu, &image, method, target)).unwrap();
            assert_eq!(got.target, want.target, "{name} {target:?}");
            assert_close(
                &format!("{name} {target:?}"),
                &got.values,
                &want.values,
                1e-3,
                1e-6,
            );
            assert!(
                want.values.iter().any(|v| v.abs() > 1e-4),
                "{name}: an empty map"
            );
        }
    }
}

#[test]
fn gpu_backend_gives_the_inference_map() {
    let (mut model, image, spec, params) = setup();
    let Some(mut gpu) = or_skip(block_on(GpuBackend::new(&spec, &params, 4))) else {
        return;
    };
    for name in METHODS {
        let method = Method::parse(name).unwrap();
        let want = saliency(&mut model, &image, method, None).unwrap();
        let got = block_on(backend_saliency(&mut gpu, &image, method, None)).unwrap();
        assert_eq!(got.target, want.target, "{name}");
        assert_close(
            &format!("GPU {name}"),
            &got.values,
            &want.values,
            5e-3,
            1e-5,
        );
    }
}
