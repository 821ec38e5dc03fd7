//! Safetensors round trips and hostile files: every bad input is an `Error::Weights`, never a panic.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
use gradient_garden::error::Error;
use gradient_garden::init::init_params;
use gradient_garden::spec::ModelSpec;
use gradient_garden::tensor::{Param, Tensor};
use gradient_garden::weights::{from_safetensors, params_from_safetensors, to_safetensors};
use safetensors::tensor::{Dtype, TensorView};
use std::collections::HashMap;

fn is_weights_error<T: std::fmt::Debug>(result: gradient_garden::Result<T>) -> bool {
    matches!(result, Err(Error::Weights(_)))
}

#[test]
fn presets_round_trip_bit_exact() {
    for (name, spec) in [("mlp", ModelSpec::mlp()), ("cnn", ModelSpec::cnn())] {
        let mut params = init_params(&spec, 7).unwrap();
        // Awkward values too: subnormals, negative zero, extremes.
        params[1].tensor.data[0] = -0.0;
        params[1].tensor.data[1] = f32::MIN_POSITIVE / 3.0;
        params[0].tensor.data[2] = f32::MAX;
        let bytes = to_safetensors(&spec, &params).unwrap();
        let (spec2, params2) = from_safetensors(&bytes).unwrap();
        assert_eq!(spec2, spec, "{name}: spec");
        assert_eq!(params2.len(), params.len());
        for (a, b) in params.iter().zip(&params2) {
            assert_eq!(a.name, b.name);
            assert_eq!(a.tensor.shape, b.tensor.shape);
            let bits = |t: &Tensor| t.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.tensor), bits(&b.tensor), "{name}: {}", a.name);
        }
        // The file is a plain safetensors file with PyTorch state_dict names and layouts.
        let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let w = file.tensor("0.weight").unwrap();
        assert_eq!(w.dtype(), Dtype::F32);
        assert_eq!(w.shape(), params[0].tensor.shape.as_slice());
        let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        let meta = meta.metadata().clone().unwrap();
        assert_eq!(meta["format"], "pt");
        assert_eq!(
            ModelSpec::from_json(&meta["gradient_garden.spec"]).unwrap(),
            spec
        );
        // And it reads back given only the spec.
        assert_eq!(params_from_safetensors(&bytes, &spec).unwrap(), params2);
    }
}

/// Name, dtype, shape and raw bytes of one tensor.
type Entry = (String, Dtype, Vec<usize>, Vec<u8>);

/// A file with the given tensors and no metadata, as PyTorch's `save_file(state_dict)` writes.
fn plain_file(tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let views: Vec<(&str, TensorView)> = tensors
        .iter()
        .map(|(n, d, s, b)| (*n, TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    safetensors::serialize(views, None::<HashMap<String, String>>).unwrap()
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn files_without_metadata_load_with_a_spec() {
    let spec = ModelSpec::mlp();
    let params = init_params(&spec, 3).unwrap();
    let tensors: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)> = params
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                Dtype::F32,
                p.tensor.shape.clone(),
                f32_bytes(&p.tensor.data),
            )
        })
        .collect();
    let bytes = plain_file(&tensors);
    assert_eq!(params_from_safetensors(&bytes, &spec).unwrap(), params);
    // Without a spec there is nothing to build the model from.
    let err = from_safetensors(&bytes).unwrap_err();
    assert!(
        matches!(&err, Error::Weights(m) if m.contains("spec")),
        "{err}"
    );
}

#[test]
fn wrong_contents_are_rejected() {
    let spec = ModelSpec::mlp();
    let params = init_params(&spec, 3).unwrap();
    let good: Vec<Entry> = params
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                Dtype::F32,
                p.tensor.shape.clone(),
                f32_bytes(&p.tensor.data),
            )
        })
        .collect();
    let build = |edit: &dyn Fn(&mut Vec<Entry>)| {
        let mut t = good.clone();
        edit(&mut t);
        let refs: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)> = t
            .iter()
            .map(|(n, d, s, b)| (n.as_str(), *d, s.clone(), b.clone()))
            .collect();
        plain_file(&refs)
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "missing tensor",
            build(&|t| {
                t.remove(1);
            }),
        ),
        (
            "extra tensor",
            build(&|t| {
                t.push((
                    "5.weight".into(),
                    Dtype::F32,
                    vec![2],
                    f32_bytes(&[1.0, 2.0]),
                ))
            }),
        ),
        (
            "wrong shape",
            build(&|t| {
                t[1].2 = vec![2, 64];
            }),
        ),
        (
            "transposed weight",
            build(&|t| {
                t[0].2 = vec![784, 128];
            }),
        ),
        (
            "wrong dtype",
            build(&|t| {
                t[1].1 = Dtype::I32;
            }),
        ),
        (
            "f16 halves",
            build(&|t| {
                let n = t[1].3.len();
                t[1].1 = Dtype::F16;
                t[1].2 = vec![n / 2];
            }),
        ),
        (
            "NaN",
            build(&|t| {
                t[1].3[0..4].copy_from_slice(&f32::NAN.to_le_bytes());
            }),
        ),
        (
            "infinity",
            build(&|t| {
                t[3].3[4..8].copy_from_slice(&f32::NEG_INFINITY.to_le_bytes());
            }),
        ),
    ];
    for (what, bytes) in cases {
        let result = params_from_safetensors(&bytes, &spec);
        assert!(is_weights_error(result.clone()), "{what}: {result:?}");
    }
    // The right file for another model.
    let cnn = ModelSpec::cnn();
    let cnn_file = to_safetensors(&cnn, &init_params(&cnn, 1).unwrap()).unwrap();
    assert!(is_weights_error(params_from_safetensors(&cnn_file, &spec)));
    // Writing checks too.
    let mut wrong = params.clone();
    wrong[0].tensor = Tensor::zeros(&[128, 783]);
    assert!(is_weights_error(to_safetensors(&spec, &wrong)));
    let mut extra = params.clone();
    extra.push(Param {
        name: "9.weight".into(),
        tensor: Tensor::zeros(&[1]),
    });
    assert!(is_weights_error(to_safetensors(&spec, &extra)));
    let mut nan = params.clone();
    nan[2].tensor.data[5] = f32::NAN;
    assert!(is_weights_error(to_safetensors(&spec, &nan)));
}

#[test]
fn hostile_bytes_are_errors_not_panics() {
    let spec = ModelSpec::cnn();
    let bytes = to_safetensors(&spec, &init_params(&spec, 11).unwrap()).unwrap();
    let check = |what: String, b: &[u8]| {
        let r =
            std::panic::catch_unwind(|| (from_safetensors(b), params_from_safetensors(b, &spec)));
        let (a, c) = r.unwrap_or_else(|_| panic!("{what}: panicked"));
        assert!(a.is_ok() || is_weights_error(a.clone()), "{what}: {a:?}");
        assert!(c.is_ok() || is_weights_error(c.clone()), "{what}: {c:?}");
        a.is_ok()
    };
    // Every truncation is invalid.
    for cut in (0..bytes.len()).step_by(97) {
        assert!(!check(format!("truncated at {cut}"), &bytes[..cut]));
    }
    // Header length fields: huge, larger than the file, zero.
    for n in [u64::MAX, 1 << 40, bytes.len() as u64, 0, 7] {
        let mut b = bytes.clone();
        b[..8].copy_from_slice(&n.to_le_bytes());
        assert!(!check(format!("header length {n}"), &b));
    }
    // Flipped bytes: in the header they may break anything; in the data they change a weight or
    // make it non-finite. Either way no panic, and any failure is Error::Weights.
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..300 {
        let mut b = bytes.clone();
        let i = (next() % b.len() as u64) as usize;
        b[i] ^= 1 << (next() % 8);
        check(format!("bit flip at {i}"), &b);
        let i = (next() % 600) as usize % b.len();
        b[i] = next() as u8;
        check(format!("byte set at {i}"), &b);
    }
    // Random junk, with and without a plausible header length.
    for len in [0usize, 1, 8, 9, 64, 1000] {
        let mut junk: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        assert!(!check(format!("{len} junk bytes"), &junk));
        if len >= 8 {
            let n = (len as u64 - 8).min(next() % 64);
            junk[..8].copy_from_slice(&n.to_le_bytes());
            assert!(!check(format!("{len} junk bytes, header {n}"), &junk));
        }
    }
    // Valid JSON header of the wrong kind.
    let header = br#"{"0.weight":{"dtype":"F32","shape":[1000000000000,1000000000000],"data_offsets":[0,4]}}"#;
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header);
    b.extend_from_slice(&[0; 4]);
    assert!(!check("overflowing shape".into(), &b));
    // A wrong embedded spec.
    let header = br#"{"__metadata__":{"gradient_garden.spec":"{\"input\":[3],\"layers\":[]}"}}"#;
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header);
    assert!(!check("bad embedded spec".into(), &b));
}
