#![cfg(not(target_arch = "wasm32"))]
//! `garden plane`: the plane's trainer from the command line learns the circle, and a bad setting
//! fails with a message naming it.
use serde_json::Value;
use std::process::Command;

fn garden(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_garden"))
        .args(args)
        .output()
        .expect("garden runs")
}

#[test]
fn garden_plane_learns_the_circle_and_prints_json_lines() {
    let config = r#"{"dataset": "circle", "features": ["x1^2", "x2^2"], "layers": [2],
                     "optimizer": {"kind": "adam", "lr": 0.03}}"#;
    let out = garden(&[
        "plane",
        "--config",
        config,
        "--steps",
        "300",
        "--log-every",
        "100",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["event"], "plane");
    assert_eq!(lines[0]["train_points"], 250);
    let metrics: Vec<&Value> = lines.iter().filter(|l| l["event"] == "metrics").collect();
    assert_eq!(metrics.len(), 3);
    let last = metrics.last().unwrap();
    assert_eq!(last["step"], 300);
    assert!(last["test_accuracy"].as_f64().unwrap() >= 0.95, "{last}");
}

#[test]
fn garden_plane_refuses_a_bad_setting_by_name() {
    let out = garden(&["plane", "--config", r#"{"layers": [12]}"#]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 neurons"));
    let out = garden(&["plane", "--config", r#"{"colour": "red"}"#]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("colour"));
}
