//! The shipped data sets through the IDX reader (counts, every label, class counts of the
//! official files), the full training set reordered to start with train10k (so the page can
//! grow its set without moving an index), and a trainer whose data grows and whose batches mix
//! in the user's own examples at the chosen share.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;
use gradient_garden::cpu::CpuBackend;
use gradient_garden::data::mnist::Mnist;
use gradient_garden::engine::Engine;
use gradient_garden::init::init_params;
use gradient_garden::spec::ModelSpec;
use gradient_garden::trainer::{Trainer, TrainerConfig};
use pollster::block_on;
use std::path::Path;

fn load(sub: &str, prefix: &str) -> Mnist {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("www/data")
        .join(sub);
    Mnist::load_dir(&dir, prefix).unwrap_or_else(|e| panic!("{sub}/{prefix}: {e}"))
}

fn class_counts(m: &Mnist) -> [usize; 10] {
    let mut c = [0; 10];
    for &l in &m.labels {
        c[l as usize] += 1;
    }
    c
}

#[test]
fn mnist_files_have_the_official_counts() {
    let train = load("", "train");
    assert_eq!(train.len(), 60_000);
    assert_eq!(train.images.len(), 60_000 * 784);
    // The class counts of the official training and test files.
    assert_eq!(
        class_counts(&train),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    let test = load("", "t10k");
    assert_eq!(
        class_counts(&test),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    // The first labels of the official training file.
    assert_eq!(&train.labels[..8], &[5, 0, 4, 1, 9, 2, 1, 3]);
}

#[test]
fn fashion_files_have_the_official_counts() {
    let train = load("fashion", "train");
    let test = load("fashion", "t10k");
    // Fashion-MNIST is balanced: 6,000 and 1,000 of each class.
    assert_eq!(class_counts(&train), [6000; 10]);
    assert_eq!(class_counts(&test), [1000; 10]);
    // The first labels of the official files (ankle boot, T-shirt, T-shirt, dress; ankle boot, pullover).
    assert_eq!(&train.labels[..4], &[9, 0, 0, 3]);
    assert_eq!(&test.labels[..2], &[9, 2]);
}

#[test]
fn the_full_set_can_start_with_train10k() {
    let full = load("", "train");
    let first = load("", "train10k");
    let grown = full.starting_with(&first).unwrap();
    assert_eq!(grown.len(), 60_000);
    assert_eq!(&grown.images[..first.images.len()], &first.images[..]);
    assert_eq!(&grown.labels[..first.len()], &first.labels[..]);
    assert_eq!(class_counts(&grown), class_counts(&full));
    // A slice that is not part of the set is refused with the sample named.
    let mut odd = first.take(3);
    odd.images[2 * 784 + 400] ^= 0x55;
    let err = full.starting_with(&odd).unwrap_err().to_string();
    assert!(err.contains("sample 2"), "{err}");
}

fn trainer(data: &Mnist, batch: usize) -> Trainer {
    let spec = ModelSpec::preset("mlp").unwrap();
    let params = init_params(&spec, 3).unwrap();
    let engine = Engine::Cpu(Box::new(CpuBackend::new(&spec, &params, batch).unwrap()));
    let config = TrainerConfig {
        batch,
        validation: 0.1,
        ..TrainerConfig::default()
    };
    Trainer::new(engine, spec, config, data).unwrap()
}

#[test]
fn a_grown_set_lengthens_the_epoch_and_keeps_the_count_going() {
    let first = load("", "train10k").take(1000);
    let grown = load("", "train10k").take(3000);
    let mut t = trainer(&first, 50);
    assert_eq!(t.steps_per_epoch(), 18); // 900 / 50
    for _ in 0..20 {
        t.step().unwrap();
    }
    let before = block_on(t.poll()).unwrap();
    assert_eq!(before.last().unwrap().epoch, 1);
    t.replace_data(&grown).unwrap();
    assert_eq!(t.train.len(), 2700);
    assert_eq!(t.validation.len(), 300);
    // The new validation tail was never in the first set's training part.
    assert_eq!(&t.validation.labels[..], &grown.labels[2700..]);
    assert_eq!(t.steps_per_epoch(), 54);
    for _ in 0..60 {
        t.step().unwrap();
    }
    let after = block_on(t.poll()).unwrap();
    let epochs: Vec<usize> = after.iter().map(|r| r.epoch).collect();
    // A new epoch starts with the grown set (2), and lasts 54 steps.
    assert_eq!(epochs[0], 2);
    assert_eq!(epochs.iter().filter(|&&e| e == 2).count(), 54);
    assert_eq!(*epochs.last().unwrap(), 3);
    assert!(after.iter().all(|r| r.loss.is_finite()));
}

#[test]
fn own_examples_fill_their_share_of_each_batch_and_are_learnt() {
    let data = load("", "train10k").take(2000);
    let mut t = trainer(&data, 32);
    // Ten copies of a symbol no digit looks like (a frame), labelled 7.
    let mut frame = vec![0u8; 784];
    for i in 0..28 {
        for j in [3, 4, 23, 24] {
            frame[i * 28 + j] = 255;
            frame[j * 28 + i] = 255;
        }
    }
    let own = Mnist {
        images: frame.repeat(10),
        labels: vec![7; 10],
    };
    t.set_own_examples(own).unwrap();
    assert!(t.set_own_share(1.5).is_err());
    t.set_own_share(0.25).unwrap();
    for _ in 0..100 {
        t.step().unwrap();
    }
    block_on(t.poll()).unwrap();
    assert_eq!(t.own_counts(), (800, 3200)); // round(0.25 * 32) = 8 of every 32
    let own = t.own_examples().clone();
    let eval = block_on(t.evaluate(&own, usize::MAX)).unwrap();
    assert_eq!(eval.accuracy, 1.0, "the frame is not yet a 7: {eval:?}");
    // Share 0 draws none; bad labels are refused and the examples stay.
    t.set_own_share(0.0).unwrap();
    t.step().unwrap();
    assert_eq!(t.own_counts(), (800, 3232));
    let bad = Mnist {
        images: vec![0; 784],
        labels: vec![12],
    };
    assert!(t.set_own_examples(bad).is_err());
    assert_eq!(t.own_examples().len(), 10);
}

/// The GPU trainer grows its set and mixes own examples exactly as the CPU one does: the same
/// batches (indices past the file's training part name own examples), so the same losses.
#[test]
fn gpu_grows_and_mixes_like_cpu() {
    use gradient_garden::gpu::GpuBackend;
    let spec = ModelSpec::preset("mlp").unwrap();
    let params = init_params(&spec, 5).unwrap();
    let Some(gpu) = gpu_support::or_skip(block_on(GpuBackend::new(&spec, &params, 32))) else {
        return;
    };
    let cpu = CpuBackend::new(&spec, &params, 32).unwrap();
    let first = load("", "train10k").take(600);
    let grown = load("", "train10k").take(1500);
    let own = Mnist {
        images: load("", "t10k").take(4).images,
        labels: vec![1, 2, 3, 4],
    };
    let config = TrainerConfig {
        batch: 32,
        validation: 0.1,
        ..TrainerConfig::default()
    };
    let losses = |engine: Engine| {
        let mut t = Trainer::new(engine, spec.clone(), config.clone(), &first).unwrap();
        t.set_own_examples(own.clone()).unwrap();
        t.set_own_share(0.25).unwrap();
        for _ in 0..5 {
            t.step().unwrap();
        }
        t.replace_data(&grown).unwrap();
        for _ in 0..5 {
            t.step().unwrap();
        }
        let records = block_on(t.poll()).unwrap();
        assert_eq!(t.own_counts(), (80, 320));
        records.iter().map(|r| r.loss).collect::<Vec<f32>>()
    };
    let g = losses(Engine::Gpu(Box::new(gpu)));
    let c = losses(Engine::Cpu(Box::new(cpu)));
    gpu_support::assert_close("losses", &g, &c, 1e-3, 1e-5);
}
