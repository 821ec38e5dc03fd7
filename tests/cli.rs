//! The `garden` command line end to end: its help lists every command, a short `train` with most
//! flags exports weights that `eval` scores the same, `compress` exports, and a command line that
//! does not parse fails with a message naming the problem.
#![cfg(not(target_arch = "wasm32"))]
use serde_json::Value;
use std::process::{Command, Output};

fn garden(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_garden"))
        .args(args)
        .output()
        .expect("garden runs")
}

fn lines(out: &Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "garden failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn event<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["event"] == name)
        .unwrap_or_else(|| panic!("no '{name}' line in {lines:?}"))
}

#[test]
fn help_lists_every_command() {
    let out = garden(&["help"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for command in ["train", "eval", "bench", "scaling", "compress", "export"] {
        assert!(
            text.contains(&format!("  {command} ")),
            "{command} in\n{text}"
        );
    }
    let out = garden(&["compress", "--help"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("--export-pruned"), "{text}");
}

#[test]
fn dataset_picks_the_training_files() {
    for (dataset, test_n) in [("mnist10k", 30), ("fashion", 30)] {
        let train = lines(&garden(&[
            "train",
            "--dataset",
            dataset,
            "--model",
            "mlp",
            "--backend",
            "cpu",
            "--steps",
            "2",
            "--batch",
            "8",
            "--test-limit",
            "30",
        ]));
        assert_eq!(event(&train, "done")["test_n"], test_n, "{dataset}");
    }
    let out = garden(&["train", "--dataset", "cifar", "--steps", "1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'cifar'"));
}

#[test]
fn train_export_eval_compress() {
    let dir = std::env::temp_dir().join(format!("garden-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let weights = dir.join("mlp.safetensors");
    let weights = weights.to_str().unwrap();
    let train = lines(&garden(&[
        "train",
        "--model",
        "mlp",
        "--backend",
        "cpu",
        "--steps",
        "3",
        "--batch",
        "16",
        "--lr",
        "0.01",
        "--optimizer",
        "momentum",
        "--momentum",
        "0.5",
        "--weight-decay",
        "0.0001",
        "--seed",
        "2",
        "--no-shuffle",
        "--log-every",
        "1",
        "--test-limit",
        "40",
        "--export",
        weights,
    ]));
    assert_eq!(event(&train, "start")["steps"], 3);
    let logged: Vec<&Value> = train.iter().filter(|l| l.get("loss").is_some()).collect();
    assert_eq!(logged.len(), 3, "--log-every 1 logs every step");
    assert!(logged.iter().all(|l| l["lr"] == 0.01));
    let done = event(&train, "done");
    assert_eq!(done["test_n"], 40);

    let eval = lines(&garden(&["eval", "--weights", weights, "--limit", "40"]));
    let eval = event(&eval, "eval");
    assert_eq!(eval["test_n"], 40);
    assert_eq!(
        eval["test_accuracy"], done["test_accuracy"],
        "the same weights"
    );

    let pruned = dir.join("pruned.safetensors");
    let pruned = pruned.to_str().unwrap();
    let out = garden(&[
        "compress",
        "--weights",
        weights,
        "--limit",
        "20",
        "--sparsities",
        "0.5",
        "--export-pruned",
        pruned,
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--export-pruned without --sparsity"
    );
    let compress = lines(&garden(&[
        "compress",
        "--weights",
        weights,
        "--limit",
        "20",
        "--sparsities",
        "0.5",
        "--scope",
        "per_tensor",
        "--export-pruned",
        pruned,
        "--sparsity",
        "0.5",
    ]));
    assert_eq!(event(&compress, "export")["kind"], "pruned");
    assert!(std::fs::metadata(pruned).unwrap().len() > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_command_line_names_the_problem() {
    let cases: [(&[&str], &str); 4] = [
        (&["train", "--bogus", "1"], "--bogus"),
        (&["train", "--backend", "tpu"], "unknown backend 'tpu'"),
        (&["eval"], "--weights"),
        (&["frobnicate"], "frobnicate"),
    ];
    for (args, needle) in cases {
        let out = garden(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let out = garden(&["eval", "--weights", "/nonexistent/w.safetensors"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("/nonexistent/w.safetensors"));
}

/// A bare PyTorch state dict (no metadata) evaluates like our file of the same weights, without
/// `--model`; it exports to ONNX and starts training; a wrong shape fails with names and shapes.
#[test]
fn bare_state_dicts_eval_train_and_export() {
    use gradient_garden::spec::ModelSpec;
    use safetensors::tensor::{Dtype, TensorView};
    let dir = std::env::temp_dir().join(format!("garden-cli-bare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let spec = ModelSpec::cnn();
    let params = gradient_garden::init::init_params(&spec, 4).unwrap();
    std::fs::write(
        path("ours.safetensors"),
        gradient_garden::weights::to_safetensors(&spec, &params).unwrap(),
    )
    .unwrap();
    let write_bare = |name: &str, wrong: bool| {
        let data: Vec<Vec<u8>> = params
            .iter()
            .map(|p| p.tensor.data.iter().flat_map(|v| v.to_le_bytes()).collect())
            .collect();
        let views: Vec<(&str, TensorView)> = params
            .iter()
            .zip(&data)
            .map(|(p, b)| {
                // Same byte count, wrong layout: [64, 32, 3, 3] as [32, 64, 3, 3].
                let shape = if wrong && p.name == "3.weight" {
                    vec![32, 64, 3, 3]
                } else {
                    p.tensor.shape.clone()
                };
                (
                    p.name.as_str(),
                    TensorView::new(Dtype::F32, shape, b).unwrap(),
                )
            })
            .collect();
        std::fs::write(
            path(name),
            safetensors::serialize(views, None::<std::collections::HashMap<String, String>>)
                .unwrap(),
        )
        .unwrap();
    };
    write_bare("bare.safetensors", false);
    write_bare("wrong.safetensors", true);

    let eval = |file: &str| {
        lines(&garden(&[
            "eval",
            "--weights",
            &path(file),
            "--limit",
            "200",
        ]))
    };
    let (ours, bare) = (eval("ours.safetensors"), eval("bare.safetensors"));
    let inferred = event(&bare, "weights");
    assert_eq!(inferred["inferred"], true);
    assert!(
        inferred["assumptions"].to_string().contains("MaxPool2d(2)"),
        "{inferred}"
    );
    assert_eq!(
        ModelSpec::from_json(&inferred["spec"].to_string()).unwrap(),
        spec
    );
    for key in ["test_accuracy", "test_loss", "confusion"] {
        assert_eq!(
            event(&bare, "eval")[key],
            event(&ours, "eval")[key],
            "{key}"
        );
    }

    let out = lines(&garden(&[
        "export",
        "--weights",
        &path("bare.safetensors"),
        "--onnx",
        &path("cnn.onnx"),
    ]));
    assert_eq!(event(&out, "export")["opset"], 13);
    assert_eq!(
        event(&out, "export")["input"],
        serde_json::json!(["N", 1, 28, 28])
    );
    let onnx = std::fs::read(path("cnn.onnx")).unwrap();
    assert_eq!(
        onnx,
        gradient_garden::onnx::to_onnx(&spec, &params).unwrap(),
        "the file is the exporter's"
    );

    let train = lines(&garden(&[
        "train",
        "--init",
        &path("bare.safetensors"),
        "--steps",
        "2",
        "--batch",
        "8",
        "--test-limit",
        "50",
    ]));
    assert!(event(&train, "done")["test_n"].as_u64().unwrap() == 50);

    let out = garden(&[
        "eval",
        "--weights",
        &path("wrong.safetensors"),
        "--model",
        "cnn",
    ]);
    assert!(!out.status.success());
    let out = garden(&["eval", "--weights", &path("wrong.safetensors")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("3.weight [32, 64, 3, 3]") && err.contains("The file holds"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `train --schedule` trains each step at the scheduled rate; a bad schedule names the problem.
#[test]
fn train_follows_a_schedule() {
    let out = lines(&garden(&[
        "train",
        "--model",
        "mlp",
        "--steps",
        "12",
        "--log-every",
        "1",
        "--lr",
        "0.01",
        "--test-limit",
        "20",
        "--schedule",
        r#"{"kind":"step","every":4,"gamma":0.5}"#,
    ]));
    let rates: Vec<(u64, f64)> = out
        .iter()
        .filter(|l| l["step"].is_u64() && l["lr"].is_number())
        .map(|l| (l["step"].as_u64().unwrap(), l["lr"].as_f64().unwrap()))
        .collect();
    assert_eq!(rates.len(), 12, "{out:?}");
    for (step, lr) in rates {
        let want = 0.01 * 0.5f64.powi((step / 4) as i32);
        assert!(
            (lr - want).abs() <= 1e-6 * want,
            "step {step}: {lr}, want {want}"
        );
    }
    let out = garden(&[
        "train",
        "--steps",
        "1",
        "--schedule",
        r#"{"kind":"cosine"}"#,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().contains("steps"));
}
