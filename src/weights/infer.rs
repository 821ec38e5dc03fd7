//! The architecture of a bare PyTorch state dict (no `gradient_garden.spec` metadata), for an
//! `nn.Sequential` of `Linear` and `Conv2d` layers. The tensors give each layer's index and
//! shape; the modules without tensors between them (activations, pools, flatten) only show as
//! gaps in the indices. We fill a gap with, in order: a ReLU (the file cannot say which
//! activation), the 2x2 max-pool after a convolution when the next layer's input size needs it,
//! and the Flatten between the last convolution and the first Linear. Every such choice is
//! returned as a stated assumption, so the page and the CLI can show it.
use crate::spec::{LayerSpec, ModelSpec, Padding, IMAGE_PIXELS};

/// A spec read off the tensors, and what had to be assumed to get it.
#[derive(Clone, Debug, PartialEq)]
pub struct Inferred {
    pub spec: ModelSpec,
    pub assumptions: Vec<String>,
}

/// One `Linear` or `Conv2d` of the file: its Sequential index and weight shape.
#[derive(Clone, Debug)]
struct Layer {
    index: usize,
    weight: Vec<usize>,
}

impl Layer {
    fn is_conv(&self) -> bool {
        self.weight.len() == 4
    }
}

type Shape = Vec<usize>;

/// Most convolutions we search pool/padding choices over (4 choices each).
const MAX_CONVS: usize = 6;

/// The spec of the Sequential whose state dict holds exactly `tensors` (name, shape), or why
/// there is none. Pure: the caller reads the file.
pub fn infer_spec(tensors: &[(String, Vec<usize>)]) -> Result<Inferred, String> {
    let layers = layers_of(tensors)?;
    let convs = layers.iter().filter(|l| l.is_conv()).count();
    if convs > MAX_CONVS {
        return Err(format!(
            "{convs} convolutions: too many to infer pooling and padding (at most {MAX_CONVS})"
        ));
    }
    // Each convolution: padding valid or same, then a 2x2 pool or not. Try the combinations in
    // the order PyTorch users most often write them (padding 0, then pooling), keep the first
    // whose shapes chain to ten logits with the module count each gap allows.
    // When nothing fits, report the most usual CNN's reason: padding 0 and a pool after each conv.
    let usual = (0..convs).map(|k| 1 << (2 * k + 1)).sum::<usize>();
    let mut usual_err = String::from("the file holds no tensors");
    for choice in 0..(1usize << (2 * convs)) {
        match build(&layers, choice) {
            Ok(found) => return Ok(found),
            Err(e) if choice == usual => usual_err = e,
            Err(_) => {}
        }
    }
    Err(usual_err)
}

/// Group the tensors into `{i}.weight` + `{i}.bias` layers, ordered by index.
fn layers_of(tensors: &[(String, Vec<usize>)]) -> Result<Vec<Layer>, String> {
    // (index, weight shape, bias shape) as the names arrive, in any order.
    let mut layers: Vec<(usize, Option<Shape>, Option<Shape>)> = Vec::new();
    for (name, shape) in tensors {
        let (index, suffix) = name
            .split_once('.')
            .and_then(|(i, s)| Some((i.parse::<usize>().ok()?, s)))
            .ok_or_else(|| {
                format!(
                    "tensor '{name}' is not named like an nn.Sequential's ('0.weight', '0.bias')"
                )
            })?;
        let slot = match layers.iter().position(|l| l.0 == index) {
            Some(p) => p,
            None => {
                layers.push((index, None, None));
                layers.len() - 1
            }
        };
        match suffix {
            "weight" => layers[slot].1 = Some(shape.clone()),
            "bias" => layers[slot].2 = Some(shape.clone()),
            other => {
                return Err(format!(
                    "tensor '{name}': '{other}' is neither a weight nor a bias of Linear/Conv2d"
                ))
            }
        }
    }
    layers.sort_by_key(|l| l.0);
    layers
        .into_iter()
        .map(|(index, weight, bias)| {
            let weight = weight.ok_or_else(|| format!("layer {index} has a bias but no '{index}.weight'"))?;
            let bias = bias.ok_or_else(|| format!("layer {index} has no '{index}.bias' (bias=False is not supported)"))?;
            match weight.len() {
                2 => {}
                4 if weight[2] == weight[3] => {}
                4 => return Err(format!("'{index}.weight' {weight:?}: only square kernels are supported")),
                n => {
                    return Err(format!(
                        "'{index}.weight' {weight:?} is {n}-D: only Linear (2-D) and Conv2d (4-D) weights are understood"
                    ))
                }
            }
            if bias != [weight[0]] {
                return Err(format!("'{index}.bias' {bias:?} does not match '{index}.weight' {weight:?}"));
            }
            Ok(Layer { index, weight })
        })
        .collect()
}

/// The spec for one combination of conv choices (bit 2k: conv k pads 'same'; bit 2k+1: conv k is
/// followed by a 2x2 max-pool), with its assumptions, or why it does not fit.
fn build(layers: &[Layer], choice: usize) -> Result<Inferred, String> {
    let first = layers.first().ok_or("the file holds no tensors")?;
    let mut assumptions = Vec::new();
    let mut spec_layers = Vec::new();
    // Input: [1, 28, 28] for a convolution first, or when the first Linear sits at index 1
    // (an nn.Flatten() before it); [784] for a Linear at index 0.
    let input = match (first.is_conv(), first.index) {
        (true, 0) => vec![1, 28, 28],
        (false, 0) => vec![IMAGE_PIXELS],
        (false, 1) => {
            spec_layers.push(LayerSpec::Flatten);
            assumptions.push("module 0: Flatten (the first Linear is module 1)".to_string());
            vec![1, 28, 28]
        }
        (_, i) => return Err(format!("the first layer is module {i}: the modules before it hold no tensors and cannot be inferred")),
    };
    // After a leading Flatten the first Linear sees the 784 pixels flat.
    let mut shape = if spec_layers.is_empty() {
        input.clone()
    } else {
        vec![IMAGE_PIXELS]
    };
    let mut conv_k = 0;
    for (k, layer) in layers.iter().enumerate() {
        let w = &layer.weight;
        let this = if layer.is_conv() {
            let same = choice >> (2 * conv_k) & 1 == 1;
            if same && w[2] % 2 == 0 {
                return Err(format!(
                    "'{}.weight' {w:?}: an even kernel cannot pad 'same'",
                    layer.index
                ));
            }
            LayerSpec::Conv2d {
                filters: w[0],
                kernel: w[2],
                padding: if same { Padding::Same } else { Padding::Valid },
            }
        } else {
            LayerSpec::Dense { units: w[0] }
        };
        let wants_in = w[1];
        let rank = if layer.is_conv() { 3 } else { 1 };
        if shape.len() != rank || shape[0] != wants_in {
            return Err(format!(
                "'{}.weight' {w:?} needs {} {wants_in}, but the layers before give {shape:?}",
                layer.index,
                if layer.is_conv() {
                    "input channels"
                } else {
                    "input features"
                }
            ));
        }
        shape = this
            .output_shape(&shape)
            .map_err(|e| format!("module {}: {e}", layer.index))?;
        spec_layers.push(this);
        let pool = layer.is_conv() && choice >> (2 * conv_k + 1) & 1 == 1;
        if layer.is_conv() {
            conv_k += 1;
        }
        let Some(next) = layers.get(k + 1) else {
            if pool {
                return Err("a pool after the last layer".into());
            }
            break;
        };
        let flatten = layer.is_conv() && !next.is_conv();
        if !layer.is_conv() && next.is_conv() {
            return Err(format!(
                "module {} is a Conv2d after a Linear: not a shape that chains",
                next.index
            ));
        }
        let gap = next.index - layer.index - 1;
        let needed = pool as usize + flatten as usize;
        if gap < needed {
            return Err(format!(
                "modules {}..{} leave no room for the pool/flatten the shapes need",
                layer.index, next.index
            ));
        }
        let mut slot = layer.index + 1;
        if gap > needed {
            spec_layers.push(LayerSpec::Relu);
            assumptions.push(format!(
                "module {slot}: ReLU (the file cannot say which activation)"
            ));
            slot += 1;
        }
        if pool {
            spec_layers.push(LayerSpec::MaxPool2d { size: 2 });
            shape = spec_layers
                .last()
                .unwrap()
                .output_shape(&shape)
                .map_err(|e| format!("module {slot}: {e}"))?;
            assumptions.push(format!(
                "module {slot}: MaxPool2d(2) (the next layer's input size needs it)"
            ));
            slot += 1;
        }
        if flatten {
            spec_layers.push(LayerSpec::Flatten);
            shape = vec![shape.iter().product()];
            assumptions.push(format!("module {slot}: Flatten"));
            slot += 1;
        }
        if slot != next.index {
            return Err(format!("modules {slot}..{} hold no tensors and are more than an activation, a pool and a flatten", next.index));
        }
    }
    for (k, layer) in spec_layers.iter().enumerate() {
        if let LayerSpec::Conv2d {
            padding: Padding::Same,
            kernel,
            ..
        } = layer
        {
            assumptions.push(format!(
                "module {k}: Conv2d padding={} (the next layer's input size needs it)",
                kernel / 2
            ));
        }
    }
    let spec = ModelSpec {
        input,
        layers: spec_layers,
        loss: crate::spec::Loss::SoftmaxCrossEntropy,
    };
    spec.shapes().map_err(|e| e.to_string())?;
    assumptions.push("no module after the last Linear (its outputs are the logits)".into());
    Ok(Inferred { spec, assumptions })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensors_of(spec: &ModelSpec) -> Vec<(String, Vec<usize>)> {
        spec.param_shapes().unwrap()
    }

    #[test]
    fn the_presets_state_dicts_give_back_the_presets() {
        for spec in [ModelSpec::mlp(), ModelSpec::cnn()] {
            let found = infer_spec(&tensors_of(&spec)).unwrap();
            assert_eq!(found.spec, spec);
            assert!(found.assumptions.iter().any(|a| a.contains("ReLU")));
        }
        let cnn = infer_spec(&tensors_of(&ModelSpec::cnn())).unwrap();
        assert_eq!(
            cnn.assumptions
                .iter()
                .filter(|a| a.contains("MaxPool2d(2)"))
                .count(),
            2
        );
    }

    #[test]
    fn a_custom_cnn_with_same_padding_and_one_pool() {
        // Conv2d(1,8,5,padding=2), ReLU, MaxPool2d(2), Conv2d(8,16,3), ReLU, Flatten,
        // Linear(16*12*12, 32), ReLU, Linear(32, 10).
        let spec = ModelSpec::from_json(
            r#"{"input":[1,28,28],"layers":[
            {"type":"conv2d","filters":8,"kernel":5,"padding":"same"},{"type":"relu"},{"type":"max_pool2d","size":2},
            {"type":"conv2d","filters":16,"kernel":3},{"type":"relu"},{"type":"flatten"},
            {"type":"dense","units":32},{"type":"relu"},{"type":"dense","units":10}]}"#,
        )
        .unwrap();
        let found = infer_spec(&tensors_of(&spec)).unwrap();
        assert_eq!(found.spec, spec);
        assert!(found.assumptions.iter().any(|a| a.contains("padding=2")));
    }

    #[test]
    fn a_flatten_first_mlp_and_linear_layers_without_activation() {
        let t = |n: &str, s: &[usize]| (n.to_string(), s.to_vec());
        let found = infer_spec(&[
            t("1.weight", &[64, 784]),
            t("1.bias", &[64]),
            t("2.weight", &[10, 64]),
            t("2.bias", &[10]),
        ])
        .unwrap();
        assert_eq!(found.spec.input, vec![1, 28, 28]);
        assert_eq!(
            found.spec.layers,
            vec![
                LayerSpec::Flatten,
                LayerSpec::Dense { units: 64 },
                LayerSpec::Dense { units: 10 }
            ]
        );
    }

    #[test]
    fn unsupported_files_say_why() {
        let t = |n: &str, s: &[usize]| (n.to_string(), s.to_vec());
        let err = |tensors: &[(String, Vec<usize>)]| infer_spec(tensors).unwrap_err();
        assert!(err(&[t("0.weight", &[10, 784, 1]), t("0.bias", &[10])]).contains("3-D"));
        assert!(err(&[t("fc1.weight", &[10, 784]), t("fc1.bias", &[10])]).contains("nn.Sequential"));
        assert!(err(&[t("0.weight", &[10, 784])]).contains("bias"));
        // 128 outputs cannot feed a layer that wants 100 inputs.
        let e = err(&[
            t("0.weight", &[128, 784]),
            t("0.bias", &[128]),
            t("2.weight", &[10, 100]),
            t("2.bias", &[10]),
        ]);
        assert!(e.contains("2.weight") && e.contains("100"), "{e}");
        // Ends with 12 outputs, not ten logits.
        assert!(err(&[t("0.weight", &[12, 784]), t("0.bias", &[12])]).contains("[10]"));
    }
}
