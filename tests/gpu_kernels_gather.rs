//! The batch gather kernel (images and labels by index, with and without augmentation
//! transforms) against the CPU reference (src/cpu/augment.rs).
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{assert_close, f32s, probe, run, EW};
use gradient_garden::cpu::augment;
use gradient_garden::gpu::kernels::{Dispatch, Kernel};
use gradient_garden::gpu::probe::Arg;
use gradient_garden::gpu::step_words;
use gradient_garden::optim::OptimizerConfig;

#[test]
fn gather_with_and_without_transforms() {
    let Some(p) = probe() else { return };
    let n_images = 5;
    let images: Vec<u8> = (0..n_images * 784)
        .map(|i| ((i * 31 + i / 7) % 256) as u8)
        .collect();
    let labels: Vec<u8> = (0..n_images).map(|i| (i * 3 % 10) as u8).collect();
    let indices = vec![4u32, 0, 2, 2, 1, 3, 4];
    let transforms: Vec<[f32; 6]> = (0..indices.len())
        .map(|i| {
            let a = 0.37 * i as f32 - 1.0;
            let s = 1.0 + 0.1 * i as f32;
            [
                s * a.cos(),
                -a.sin(),
                0.3 * i as f32 - 2.0,
                a.sin(),
                s * a.cos(),
                1.7 - 0.6 * i as f32,
            ]
        })
        .collect();
    let packed: Vec<u32> = images
        .chunks(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let labels32: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
    let b = indices.len();
    for with in [false, true] {
        let t: &[[f32; 6]] = if with { &transforms } else { &[] };
        let mut want = vec![0.0; b * 784];
        let mut want_labels = vec![0u8; b];
        augment::gather_batch(&mut want, &mut want_labels, &images, &labels, &indices, t).unwrap();
        let flat: Vec<f32> = if with {
            transforms.iter().flatten().copied().collect()
        } else {
            vec![0.0; 6 * b]
        };
        let step = step_words(&OptimizerConfig::default(), 1, 0, 0, with).to_vec();
        let out = run(
            &p,
            Kernel::Gather,
            vec![
                Arg::U32(packed.clone()),
                Arg::U32(labels32.clone()),
                Arg::U32(indices.clone()),
                Arg::F32(flat),
                Arg::F32(vec![0.0; b * 784]),
                Arg::U32(vec![99; b]),
                Arg::Uniform(step),
            ],
            Dispatch::grid(b * 784),
        );
        // The source coordinate a*x + b*y + c may be contracted into FMAs on the GPU, moving it
        // by ~1 ulp; bilinear sampling is continuous in it and pixels are in [0, 1], so the
        // result moves by at most a few 1e-6 (even across a floor() boundary).
        let atol = if with { 1e-5 } else { EW.1 };
        assert_close(
            &format!("gather transforms={with}"),
            &f32s(&out[4]),
            &want,
            EW.0,
            atol,
        );
        assert_eq!(
            out[5],
            want_labels.iter().map(|&l| l as u32).collect::<Vec<_>>(),
            "gathered labels"
        );
    }
}
