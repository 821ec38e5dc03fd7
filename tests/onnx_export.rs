//! The ONNX export, run by a real ONNX runtime (tract-onnx): the exported model gives the same
//! logits as our CPU backend, within 1e-4, for both presets and a custom spec with sigmoid, tanh,
//! same padding and dropout; and the file says what it is (opset, producer, spec metadata).
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::cpu::inference::Inference;
use gradient_garden::init::init_params;
use gradient_garden::onnx::{to_onnx, OPSET, PRODUCER};
use gradient_garden::spec::ModelSpec;
use gradient_garden::tensor::Param;
use tract_onnx::prelude::*;

/// Seeded values in [0, 1) (an LCG: the test needs variety, not quality).
fn uniform(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect()
}

/// Initial weights with non-zero biases, so the export's bias wiring is tested too.
fn params(spec: &ModelSpec, seed: u64) -> Vec<Param> {
    let mut params = init_params(spec, seed).unwrap();
    for (k, p) in params.iter_mut().enumerate() {
        if p.tensor.shape.len() == 1 {
            let noise = uniform(seed + k as u64, p.tensor.data.len());
            p.tensor
                .data
                .iter_mut()
                .zip(noise)
                .for_each(|(v, r)| *v = r - 0.5);
        }
    }
    params
}

fn custom() -> ModelSpec {
    ModelSpec::from_json(
        r#"{"input":[1,28,28],"layers":[
        {"type":"conv2d","filters":6,"kernel":5,"padding":"same"},{"type":"sigmoid"},{"type":"max_pool2d","size":2},
        {"type":"conv2d","filters":10,"kernel":3},{"type":"tanh"},{"type":"max_pool2d","size":3},{"type":"flatten"},
        {"type":"dropout","rate":0.3},{"type":"dense","units":40},{"type":"sigmoid"},
        {"type":"dense","units":24},{"type":"tanh"},{"type":"dense","units":10}]}"#,
    )
    .unwrap()
}

/// Largest |ONNX - CPU| over a batch of `n` images.
fn max_difference(spec: &ModelSpec, seed: u64, n: usize) -> f32 {
    let params = params(spec, seed);
    let bytes = to_onnx(spec, &params).unwrap();
    let images = uniform(seed * 31 + 5, n * 784);
    let mut shape = vec![n];
    shape.extend(&spec.input);
    let model = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .unwrap()
        .with_input_fact(0, f32::fact(&shape).into())
        .unwrap()
        .into_optimized()
        .unwrap()
        .into_runnable()
        .unwrap();
    let input = Tensor::from_shape(&shape, &images).unwrap();
    let out = model.run(tvec!(input.into())).unwrap();
    let logits = out[0].to_array_view::<f32>().unwrap();
    assert_eq!(logits.shape(), &[n, 10]);
    let mut cpu = Inference::new(spec, &params).unwrap();
    let mut worst = 0f32;
    for i in 0..n {
        let ours = cpu.logits(&images[i * 784..(i + 1) * 784]).unwrap();
        for (c, v) in ours.iter().enumerate() {
            worst = worst.max((logits[[i, c]] - v).abs());
        }
    }
    worst
}

#[test]
fn onnx_logits_match_the_cpu_backend() {
    for (name, spec) in [
        ("mlp", ModelSpec::mlp()),
        ("cnn", ModelSpec::cnn()),
        ("custom", custom()),
    ] {
        let diff = max_difference(&spec, 3, 8);
        // Printed for the record (cargo test -- --nocapture).
        println!("{name}: max |onnx - cpu| logit difference {diff:e}");
        assert!(
            diff <= 1e-4,
            "{name}: ONNX logits differ from the CPU backend's by {diff}"
        );
    }
}

#[test]
fn the_file_names_its_opset_producer_and_spec() {
    let spec = custom();
    let bytes = to_onnx(&spec, &params(&spec, 1)).unwrap();
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &bytes[..])
        .unwrap();
    assert_eq!(proto.producer_name, PRODUCER);
    assert!(proto
        .opset_import
        .iter()
        .any(|o| o.domain.is_empty() && o.version == OPSET));
    let meta = proto
        .metadata_props
        .iter()
        .find(|p| p.key == "gradient_garden.spec")
        .unwrap();
    assert_eq!(ModelSpec::from_json(&meta.value).unwrap(), spec);
    let graph = proto.graph.unwrap();
    assert_eq!(graph.node.len(), spec.layers.len(), "one node per layer");
    let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(&ops[..4], ["Conv", "Sigmoid", "MaxPool", "Conv"]);
    assert!(ops.contains(&"Gemm") && ops.contains(&"Flatten") && ops.contains(&"Identity"));
    assert_eq!(graph.initializer.len(), spec.param_shapes().unwrap().len());
}
