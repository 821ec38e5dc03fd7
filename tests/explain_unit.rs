//! What a unit wants (src/explain/unit.rs), on the shipped CNN: gradient ascent from noise finds
//! an input that drives a conv channel, a dense unit and a logit above where it started and
//! above every one of 200 t10k digits, and the top images are the ones a plain forward pass
//! ranks highest.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::cpu::Inference;
use gradient_garden::data::mnist::Mnist;
use gradient_garden::explain::{top_images, unit_values, unit_wants, UnitConfig};
use gradient_garden::spec::IMAGE_PIXELS;
use std::path::Path;

fn setup() -> (Inference, Vec<f32>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("www/models/cnn.safetensors")).unwrap();
    let data = Mnist::load_dir(&root.join("www/data"), "t10k")
        .unwrap()
        .take(200);
    let images = data.images.iter().map(|&b| b as f32 / 255.0).collect();
    (Inference::from_safetensors(&bytes).unwrap(), images)
}

#[test]
fn ascent_beats_the_noise_and_the_digits() {
    let (mut model, images) = setup();
    let last = model.spec().layers.len() - 1;
    // Conv channel 3 of the first layer, dense unit 5 of the hidden dense layer, the 7 logit.
    let dense = (0..last)
        .rev()
        .find(|&i| model.spec().layers[i].kind_name() == "dense")
        .unwrap();
    for (layer, index) in [(0, 3), (dense, 5), (last, 7)] {
        let wants = unit_wants(&mut model, layer, index, UnitConfig::default()).unwrap();
        assert!(wants.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
        let best_digit = top_images(&mut model, &images, layer, index, 1).unwrap()[0].1;
        println!(
            "layer {layer} unit {index}: noise {:.3} -> {:.3}; best of 200 digits {best_digit:.3}",
            wants.start_value, wants.value
        );
        assert!(
            wants.value > wants.start_value,
            "layer {layer} unit {index}: no ascent"
        );
        assert!(
            wants.value > best_digit,
            "layer {layer} unit {index}: a digit beats it"
        );
    }
}

#[test]
fn top_images_are_ranked_by_the_unit() {
    let (mut model, images) = setup();
    let last = model.spec().layers.len() - 1;
    let top = top_images(&mut model, &images, last, 2, 5).unwrap();
    assert_eq!(top.len(), 5);
    let logits: Vec<f32> = (0..images.len() / IMAGE_PIXELS)
        .map(|i| {
            model
                .logits(&images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS])
                .unwrap()[2]
        })
        .collect();
    let mut want: Vec<usize> = (0..logits.len()).collect();
    want.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    assert_eq!(top.iter().map(|t| t.0).collect::<Vec<_>>(), want[..5]);
    for (i, v) in &top {
        assert!((v - logits[*i]).abs() <= 1e-4 * v.abs().max(1.0));
    }
}

#[test]
fn batched_layer_outputs_equal_one_image_passes() {
    // 70 images cross two chunk boundaries (32 per pass) and end on a short chunk.
    let (mut model, images) = setup();
    let images = &images[..70 * IMAGE_PIXELS];
    for layer in 0..model.spec().layers.len() {
        let batched = model.layer_outputs(images, layer).unwrap();
        let width = batched.len() / 70;
        for (i, image) in images.chunks(IMAGE_PIXELS).enumerate() {
            let one = &model.activations(image).unwrap()[layer].data;
            let row = &batched[i * width..(i + 1) * width];
            let worst = one
                .iter()
                .zip(row)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(worst <= 1e-4, "layer {layer} image {i}: off by {worst}");
        }
    }
    let values = unit_values(&mut model, images, 0, 3).unwrap();
    assert_eq!(values.len(), 70);
}
