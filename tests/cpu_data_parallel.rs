//! Data-parallel training on the CPU backend: two workers each take part of every batch
//! (`CpuBackend::gradients`), sum the parts' gradients in part order and both apply the sum
//! (`apply_gradients`). That must be the one-worker `train_step`, dropout and augmentation
//! included, and the two workers' weights must stay bit-identical.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::backend::{Backend, StepMetrics, TrainBatch};
use gradient_garden::cpu::{CpuBackend, PartMetrics};
use gradient_garden::data::mnist::Mnist;
use gradient_garden::init::init_params;
use gradient_garden::optim::OptimizerConfig;
use gradient_garden::spec::{LayerSpec, Loss, ModelSpec, Padding};
use gradient_garden::tensor::Param;
use pollster::block_on;

const BATCH: usize = 12;

/// Conv, pooling, dropout in the convolutional and the dense part, two dense layers.
fn spec() -> ModelSpec {
    use LayerSpec::*;
    ModelSpec {
        input: vec![1, 28, 28],
        layers: vec![
            Conv2d {
                filters: 4,
                kernel: 3,
                padding: Padding::Same,
            },
            Relu,
            MaxPool2d { size: 2 },
            Dropout { rate: 0.3 },
            Flatten,
            Dense { units: 16 },
            Tanh,
            Dropout { rate: 0.5 },
            Dense { units: 10 },
        ],
        loss: Loss::SoftmaxCrossEntropy,
    }
}

fn params(b: &mut CpuBackend) -> Vec<Param> {
    block_on(b.read_params()).unwrap()
}

fn metrics(b: &mut CpuBackend) -> Vec<StepMetrics> {
    block_on(b.take_metrics()).unwrap()
}

#[test]
fn two_part_steps_equal_one_worker_steps() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    let data = Mnist::load_dir(&dir, "train10k").unwrap();
    let spec = spec();
    let init = init_params(&spec, 7).unwrap();
    let opt = OptimizerConfig::default(); // Adam: its state must stay in step too
    let mut workers: Vec<CpuBackend> = (0..3)
        .map(|_| {
            let mut b = CpuBackend::new(&spec, &init, BATCH).unwrap();
            b.upload_train_set(&data.images, &data.labels).unwrap();
            b
        })
        .collect();
    let parts = [0..5, 5..BATCH];
    for step in 0..4u32 {
        let indices: Vec<u32> = (0..BATCH as u32)
            .map(|i| (i * 37 + step * 101) % 10_000)
            .collect();
        // Small shifts and rotations on odd steps: augmentation must follow the sample.
        let transforms: Vec<[f32; 6]> = if step % 2 == 1 {
            (0..BATCH)
                .map(|i| {
                    let (s, c) = (0.05 * i as f32).sin_cos();
                    [c, -s, 1.0, s, c, -0.5]
                })
                .collect()
        } else {
            Vec::new()
        };
        let batch = TrainBatch {
            indices: &indices,
            transforms: &transforms,
            seed: 1000 + step,
        };
        workers[0].train_step(&batch, &opt).unwrap();

        let (a, b) = workers[1..].split_at_mut(1);
        let (ga, ma) = a[0].gradients(&batch, parts[0].clone()).unwrap();
        let (gb, mb) = b[0].gradients(&batch, parts[1].clone()).unwrap();
        let sum: Vec<f32> = ga.iter().zip(&gb).map(|(x, y)| x + y).collect();
        let total: PartMetrics = ma + mb;
        assert_eq!(total.samples as usize, BATCH);
        for w in &mut workers[1..] {
            w.apply_gradients(&sum, total, &opt).unwrap();
        }

        let (one, split) = (metrics(&mut workers[0]), metrics(&mut workers[1]));
        assert_eq!(
            metrics(&mut workers[2]),
            split,
            "step {step}: the workers' metrics differ"
        );
        assert_eq!(
            (one[0].step, one[0].correct),
            (split[0].step, split[0].correct)
        );
        assert!(
            (one[0].loss - split[0].loss).abs() <= 1e-5 * one[0].loss.abs().max(1.0),
            "step {step}: loss {} one worker, {} split",
            one[0].loss,
            split[0].loss
        );
        let reference = params(&mut workers[0]);
        let (p1, p2) = (params(&mut workers[1]), params(&mut workers[2]));
        assert_eq!(
            p1, p2,
            "step {step}: the two workers' weights drifted apart"
        );
        for (r, p) in reference.iter().zip(&p1) {
            let diff = r
                .tensor
                .data
                .iter()
                .zip(&p.tensor.data)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            // Adam moves each weight by about lr = 1e-3 a step; a wrong dropout mask or a wrong
            // weighting of the parts changes updates by that much, rounding by far less.
            assert!(
                diff < 2e-5,
                "step {step}: {} differs by {diff} from the one-worker step",
                r.name
            );
        }
    }
}

#[test]
fn parts_are_checked() {
    let spec = spec();
    let init = init_params(&spec, 1).unwrap();
    let mut b = CpuBackend::new(&spec, &init, 4).unwrap();
    b.upload_train_set(&[0; 784 * 4], &[1, 2, 3, 4]).unwrap();
    let batch = TrainBatch {
        indices: &[0, 1, 2, 3],
        transforms: &[],
        seed: 0,
    };
    assert!(b.gradients(&batch, 2..2).is_err());
    assert!(b.gradients(&batch, 3..5).is_err());
    let (g, m) = b.gradients(&batch, 0..4).unwrap();
    assert_eq!(g.len(), b.param_len());
    assert!(b
        .apply_gradients(&g[1..], m, &OptimizerConfig::default())
        .is_err());
    assert!(b
        .apply_gradients(
            &g,
            PartMetrics { samples: 3, ..m },
            &OptimizerConfig::default()
        )
        .is_err());
    b.apply_gradients(&g, m, &OptimizerConfig::default())
        .unwrap();
}
