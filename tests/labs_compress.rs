//! The compression lab: int8 quantization bounds, exact pruning, the int8 forward pass against
//! the float reference, and accuracy measured on t10k after real training.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::backend::Backend;
use gradient_garden::data::mnist::Mnist;
use gradient_garden::engine::{build_engine, BackendChoice};
use gradient_garden::init::init_params;
use gradient_garden::labs::compress::{evaluate_settings, float_logits, Setting};
use gradient_garden::labs::int8::{QuantizedModel, QuantizedTensor};
use gradient_garden::labs::prune::{
    best_storage, prunable_mask, prune_masked, prune_model, sparsity_masked, PruneScope, Storage,
};
use gradient_garden::spec::ModelSpec;
use gradient_garden::tensor::{Param, Tensor};
use gradient_garden::trainer::{Trainer, TrainerConfig};
use pollster::block_on;
use safetensors::tensor::{Dtype, SafeTensors};

fn data(prefix: &str) -> Mnist {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    Mnist::load_dir(&dir, prefix).expect("MNIST in www/data")
}

fn max_diff(a: &[f32], b: &[f32]) -> (f32, usize) {
    a.iter()
        .zip(b)
        .enumerate()
        .fold((0.0, 0), |(m, at), (i, (x, y))| {
            if (x - y).abs() > m {
                ((x - y).abs(), i)
            } else {
                (m, at)
            }
        })
}

#[test]
fn quantize_dequantize_error_is_at_most_half_a_step() {
    let spec = ModelSpec::cnn();
    let params = init_params(&spec, 3).unwrap();
    for p in params.iter().filter(|p| p.name.ends_with(".weight")) {
        let q = QuantizedTensor::quantize(&p.name, &p.tensor);
        assert_eq!(q.scales.len(), p.tensor.shape[0]);
        let deq = q.dequantize();
        let cols = q.row_len();
        for (i, (w, d)) in p.tensor.data.iter().zip(&deq.data).enumerate() {
            let scale = q.scales[i / cols];
            assert!(
                (w - d).abs() <= scale * 0.5 * (1.0 + 1e-5),
                "{} [{i}]: {w} vs {d}, scale {scale}",
                p.name
            );
        }
        // The largest weight of each row maps to +-127: the whole int8 range is used.
        for row in q.q.chunks(cols) {
            assert_eq!(
                row.iter().map(|v| v.unsigned_abs()).max(),
                Some(127),
                "{}",
                p.name
            );
        }
    }
    // An all-zero row gets scale 0 and stays exactly zero.
    let zero = QuantizedTensor::quantize("z", &Tensor::zeros(&[2, 3]));
    assert_eq!(zero.dequantize().data, vec![0.0; 6]);
}

#[test]
fn pruning_reaches_the_asked_sparsity_exactly() {
    let spec = ModelSpec::cnn();
    let params = init_params(&spec, 5).unwrap();
    let weights: usize = params
        .iter()
        .filter(|p| p.name.ends_with(".weight"))
        .map(|p| p.tensor.len())
        .sum();
    for &s in &[0.0f32, 0.5, 0.75, 0.9, 0.95, 0.999, 1.0] {
        let pruned = prune_model(&spec, &params, s, PruneScope::Global).unwrap();
        let (zeros, total) = sparsity_masked(&pruned, &prunable_mask(&spec, &pruned).unwrap());
        assert_eq!(total, weights);
        assert_eq!(
            zeros,
            (s as f64 * total as f64).round() as usize,
            "global {s}"
        );
        // Biases untouched; surviving weights unchanged; every pruned |w| <= every kept |w|.
        let (mut max_pruned, mut min_kept) = (0.0f32, f32::INFINITY);
        for (a, b) in params.iter().zip(&pruned) {
            if a.name.ends_with(".bias") {
                assert_eq!(a, b);
                continue;
            }
            for (w, p) in a.tensor.data.iter().zip(&b.tensor.data) {
                if *p == 0.0 {
                    max_pruned = max_pruned.max(w.abs());
                } else {
                    assert_eq!(w, p);
                    min_kept = min_kept.min(w.abs());
                }
            }
        }
        assert!(
            max_pruned <= min_kept,
            "{s}: pruned {max_pruned} > kept {min_kept}"
        );
        let per = prune_model(&spec, &params, s, PruneScope::PerTensor).unwrap();
        for (a, p) in params
            .iter()
            .zip(&per)
            .filter(|(a, _)| a.name.ends_with(".weight"))
        {
            let z = p.tensor.data.iter().filter(|v| **v == 0.0).count();
            let pruned = a
                .tensor
                .data
                .iter()
                .zip(&p.tensor.data)
                .filter(|(_, p)| **p == 0.0);
            let kept = a
                .tensor
                .data
                .iter()
                .zip(&p.tensor.data)
                .filter(|(_, p)| **p != 0.0);
            let max_pruned = pruned.fold(0.0f32, |m, (w, _)| m.max(w.abs()));
            assert!(
                kept.into_iter().all(|(w, _)| w.abs() >= max_pruned),
                "per tensor {s} {}",
                p.name
            );
            assert_eq!(
                z,
                (s as f64 * p.tensor.len() as f64).round() as usize,
                "per tensor {s} {}",
                p.name
            );
        }
    }
    // Ties: all-equal magnitudes still give exactly k zeros, the earliest positions, every time.
    let tied = vec![Param {
        name: "0.weight".into(),
        tensor: Tensor::new(vec![4, 5], vec![0.5; 20]).unwrap(),
    }];
    let a = prune_masked(&tied, &[true], 0.35, PruneScope::Global).unwrap();
    let zeros: Vec<usize> = (0..20).filter(|&i| a[0].tensor.data[i] == 0.0).collect();
    assert_eq!(zeros, (0..7).collect::<Vec<_>>());
    assert_eq!(
        a,
        prune_masked(&tied, &[true], 0.35, PruneScope::Global).unwrap()
    );
}

#[test]
fn int8_forward_matches_float_forward_on_dequantized_weights() {
    let test = data("t10k").take(16);
    let images = test.pixels_f32(0, 16);
    let mut same_pad = ModelSpec::cnn();
    same_pad.layers[0] = gradient_garden::spec::LayerSpec::Conv2d {
        filters: 8,
        kernel: 5,
        padding: gradient_garden::spec::Padding::Same,
    };
    for spec in [ModelSpec::mlp(), ModelSpec::cnn(), same_pad] {
        let params = init_params(&spec, 11).unwrap();
        let q = QuantizedModel::quantize(&spec, &params).unwrap();
        let int8 = q.logits(&images).unwrap();
        // The float forward pass on weights rebuilt here from the int8 values and the
        // per-row scales (w = q * scale[row]), independently of the lab's own dequantize.
        let rebuilt: Vec<Param> = params
            .iter()
            .map(|p| match q.weights.iter().find(|t| t.name == p.name) {
                Some(t) => {
                    let cols = t.q.len() / t.shape[0];
                    let data =
                        t.q.iter()
                            .enumerate()
                            .map(|(i, &v)| v as f32 * t.scales[i / cols])
                            .collect();
                    Param {
                        name: p.name.clone(),
                        tensor: Tensor::new(t.shape.clone(), data).unwrap(),
                    }
                }
                None => p.clone(),
            })
            .collect();
        assert_eq!(
            rebuilt,
            q.dequantize(),
            "dequantize is q * scale per output row"
        );
        assert!(
            q.weights.len() * 2 == params.len(),
            "every weight quantized, every bias kept"
        );
        let float = float_logits(&spec, &rebuilt, &images).unwrap();
        let (diff, at) = max_diff(&int8, &float);
        let scale = float.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(
            diff <= 1e-4 * scale.max(1.0),
            "{:?}: max diff {diff} at {at} (logits up to {scale})",
            spec.layers[0]
        );
        // And the int8 model is not the float one: quantization does change the logits a little.
        let exact = float_logits(&spec, &params, &images).unwrap();
        let (qdiff, _) = max_diff(&int8, &exact);
        assert!(
            qdiff > 0.0 && qdiff < 0.05 * scale,
            "int8 vs f32 logits differ by {qdiff}"
        );
    }
}

#[test]
fn int8_safetensors_round_trip_keeps_i8_tensors_and_scales() {
    let spec = ModelSpec::cnn();
    let q = QuantizedModel::quantize(&spec, &init_params(&spec, 2).unwrap()).unwrap();
    let bytes = q.to_safetensors().unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(file.tensor("0.weight").unwrap().dtype(), Dtype::I8);
    assert_eq!(file.tensor("0.weight.scale").unwrap().shape(), &[32]);
    assert_eq!(file.tensor("9.bias").unwrap().dtype(), Dtype::F32);
    assert_eq!(QuantizedModel::from_safetensors(&bytes).unwrap(), q);
    // 1 byte per weight + 4 per scale + 4 per bias.
    let weights: usize = q.weights.iter().map(|w| w.q.len()).sum();
    let channels: usize = q.weights.iter().map(|w| w.scales.len()).sum();
    let biases: usize = q.biases.iter().map(|b| b.tensor.len()).sum();
    assert_eq!(q.bytes(), weights + 4 * channels + 4 * biases);
    assert!(
        bytes.len() >= q.bytes() && bytes.len() < q.bytes() + 4096,
        "file {} bytes",
        bytes.len()
    );
    // A float weights file is not an int8 one.
    let float = gradient_garden::weights::to_safetensors(&spec, &q.dequantize()).unwrap();
    assert!(QuantizedModel::from_safetensors(&float).is_err());
}

#[test]
fn trained_mlp_keeps_its_accuracy_in_int8_and_bytes_shrink() {
    let spec = ModelSpec::mlp();
    let params = init_params(&spec, 1).unwrap();
    let config = TrainerConfig {
        batch: 64,
        seed: 1,
        ..TrainerConfig::default()
    };
    let (engine, _) = block_on(build_engine(BackendChoice::Cpu, &spec, &params, 64)).unwrap();
    let mut trainer = Trainer::new(engine, spec.clone(), config, &data("train10k")).unwrap();
    for _ in 0..200 {
        trainer.step().unwrap();
    }
    block_on(trainer.poll()).unwrap();
    let trained = block_on(trainer.engine().read_params()).unwrap();
    let test = data("t10k");
    let settings = Setting::standard_list(&[0.5, 0.9]);
    let table =
        evaluate_settings(&spec, &trained, &settings, PruneScope::Global, &test, 2000).unwrap();
    let f32_row = &table[0];
    let int8_row = &table[1];
    assert!(
        f32_row.accuracy > 0.85,
        "f32 accuracy {} after 200 steps",
        f32_row.accuracy
    );
    assert!(
        (int8_row.accuracy - f32_row.accuracy).abs() <= 0.01,
        "{int8_row:?} vs {f32_row:?}"
    );
    assert_eq!(f32_row.bytes, 4 * spec.parameter_count().unwrap());
    assert!(
        int8_row.bytes * 3 < f32_row.bytes,
        "int8 {} vs f32 {}",
        int8_row.bytes,
        f32_row.bytes
    );
    for row in &table[2..] {
        assert_eq!(row.n, 2000);
        assert!(row.bytes < f32_row.bytes, "{row:?}");
        let asked = match row.setting {
            Setting::Prune { sparsity } | Setting::Int8Prune { sparsity } => sparsity as f64,
            _ => unreachable!(),
        };
        assert!((row.sparsity - asked).abs() < 1e-4, "{row:?}");
    }
    // 50% pruning of a trained MLP costs little; 90% costs more than 50% does.
    assert!(
        table[2].accuracy > f32_row.accuracy - 0.03,
        "{:?}",
        table[2]
    );
    assert!(
        table[3].loss > table[2].loss,
        "{:?} vs {:?}",
        table[3],
        table[2]
    );
}

#[test]
fn sparse_storage_counts_values_indices_and_row_pointers() {
    // [64, 1600] at 90%: 10,240 non-zeros, each 4 bytes of f32 + a u16 column, 65 u32 row pointers.
    assert_eq!(
        best_storage(&[64, 1600], 10_240, 4),
        (Storage::Csr, 10_240 * 6 + 4 * 65)
    );
    // int8 values: 1 + 2 bytes each.
    assert_eq!(
        best_storage(&[64, 1600], 10_240, 1),
        (Storage::Csr, 10_240 * 3 + 4 * 65)
    );
    // At 50% int8 CSR (3 bytes per kept weight) is larger than dense int8: dense is counted.
    assert_eq!(
        best_storage(&[64, 1600], 51_200, 1),
        (Storage::Dense, 102_400)
    );
    // Rows longer than 65,536 columns need u32 indices.
    assert_eq!(
        best_storage(&[1, 70_000], 10, 4),
        (Storage::Csr, 10 * 8 + 8)
    );
}
