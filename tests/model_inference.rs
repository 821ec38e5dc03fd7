//! The inference-only model (`cpu::Inference`, the wasm `Model`): built from a trainer's flat
//! weights or from a `.safetensors` file, it gives the trainer's logits for the same images, for
//! both presets, after some training (so the weights are not the init's); bad input is an error.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::backend::Backend;
use gradient_garden::cpu::{CpuBackend, Inference};
use gradient_garden::data::mnist::Mnist;
use gradient_garden::engine::Engine;
use gradient_garden::init::init_params;
use gradient_garden::spec::{ModelSpec, CLASSES, IMAGE_PIXELS};
use gradient_garden::trainer::{Trainer, TrainerConfig};
use gradient_garden::weights;
use pollster::block_on;

const IMAGES: usize = 6;

fn data() -> Mnist {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    Mnist::load_dir(&dir, "train10k").unwrap().take(200)
}

/// A CPU trainer for `spec` after `steps` steps.
fn trained(spec: &ModelSpec, steps: usize, data: &Mnist) -> Trainer {
    let config = TrainerConfig {
        batch: 16,
        ..TrainerConfig::default()
    };
    let params = init_params(spec, 3).unwrap();
    let engine = Engine::Cpu(Box::new(
        CpuBackend::new(spec, &params, config.batch).unwrap(),
    ));
    let mut trainer = Trainer::new(engine, spec.clone(), config, data).unwrap();
    for _ in 0..steps {
        trainer.step().unwrap();
    }
    block_on(trainer.poll()).unwrap();
    trainer
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = 1e-5 * w.abs().max(1.0);
        assert!((g - w).abs() <= tol, "{what}[{i}]: {g} vs {w}");
    }
}

fn check_preset(spec: ModelSpec) {
    let data = data();
    let mut trainer = trained(&spec, 4, &data);
    let flat = block_on(trainer.params_flat()).unwrap();
    let init: Vec<f32> = init_params(&spec, 3)
        .unwrap()
        .into_iter()
        .flat_map(|p| p.tensor.data)
        .collect();
    assert_ne!(flat, init, "training moved the weights");

    let mut model = Inference::from_flat(&spec, &flat).unwrap();
    assert_eq!(model.parameter_count(), spec.parameter_count().unwrap());
    assert_eq!(model.spec(), &spec);
    let file = weights::to_safetensors(&spec, &block_on(trainer.engine().read_params()).unwrap());
    let mut from_file = Inference::from_safetensors(&file.unwrap()).unwrap();

    let images = data.pixels_f32(0, IMAGES);
    let want = block_on(trainer.engine().logits(&images)).unwrap();
    for (k, image) in images.chunks(IMAGE_PIXELS).enumerate() {
        let want = &want[k * CLASSES..(k + 1) * CLASSES];
        assert_close("logits", &model.logits(image).unwrap(), want);
        assert_close("file logits", &from_file.logits(image).unwrap(), want);
        let acts = model.activations(image).unwrap();
        assert_eq!(acts.len(), spec.layers.len());
        assert_close("last activation", &acts.last().unwrap().data, want);
        let probs = model.probabilities(image).unwrap();
        let want_probs = block_on(trainer.predict(image)).unwrap();
        assert_close("probabilities", &probs, &want_probs);
        assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    // New weights through `set_flat` give the new trainer's logits.
    for _ in 0..3 {
        trainer.step().unwrap();
    }
    block_on(trainer.poll()).unwrap();
    model
        .set_flat(&block_on(trainer.params_flat()).unwrap())
        .unwrap();
    let want = block_on(trainer.engine().logits(&images[..IMAGE_PIXELS])).unwrap();
    assert_close(
        "after set_flat",
        &model.logits(&images[..IMAGE_PIXELS]).unwrap(),
        &want,
    );
}

#[test]
fn mlp_matches_the_trainer() {
    check_preset(ModelSpec::mlp());
}

#[test]
fn cnn_matches_the_trainer() {
    check_preset(ModelSpec::cnn());
}

#[test]
fn bad_input_is_an_error_that_names_it() {
    let spec = ModelSpec::mlp();
    let flat: Vec<f32> = init_params(&spec, 1)
        .unwrap()
        .into_iter()
        .flat_map(|p| p.tensor.data)
        .collect();
    let message = |r: gradient_garden::Result<Inference>| r.err().expect("an error").to_string();
    assert!(message(Inference::from_flat(&spec, &flat[1..])).contains("values for"));
    assert!(Inference::from_safetensors(b"not a file").is_err());

    let mut model = Inference::from_flat(&spec, &flat).unwrap();
    assert!(model.set_flat(&flat[..10]).is_err());
    let err = model.logits(&[0.5; 783]).unwrap_err().to_string();
    assert!(err.contains("784"), "{err}");
    let mut image = vec![0.5; IMAGE_PIXELS];
    image[17] = f32::NAN;
    let err = model.probabilities(&image).unwrap_err().to_string();
    assert!(err.contains("pixel 17"), "{err}");
    // The failed calls left the model usable.
    image[17] = 0.5;
    assert_eq!(model.logits(&image).unwrap().len(), CLASSES);
}
