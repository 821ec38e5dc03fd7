//! Fuzzing the engine's doors: a few hundred random and mutated inputs per door, each either
//! accepted or refused with a clean `Err` (non-empty message), never a panic, and a refused one
//! leaves the model as it was. The doors: model specs (JSON), model files (.safetensors), the
//! optimizer/trainer settings, and images given to predict/activations.
//!
//! A small seeded generator keeps it reproducible with no extra dependency; every case runs
//! inside `catch_unwind` so a panic is reported with the input that caused it. Run with
//! `--nocapture` to see how many cases of each class were accepted and refused.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod fuzz_support;

use fuzz_support::{data, fingerprint, mutate, random_layer, small_spec, trainer, Gen, Tally};
use gradient_garden::backend::Backend;
use gradient_garden::cpu::CpuBackend;
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::ModelSpec;
use gradient_garden::trainer::{Augment, TrainerConfig};
use gradient_garden::weights;
use pollster::block_on;

#[test]
fn model_specs_are_accepted_or_refused_cleanly() {
    let mut g = Gen(0x5eed_0001);
    let mut tally = Tally::default();
    let presets = [
        ModelSpec::mlp().to_json(),
        ModelSpec::cnn().to_json(),
        small_spec().to_json(),
    ];
    for i in 0..400 {
        let json = match i % 3 {
            // Random layers, usually ending in the ten outputs a model needs.
            0 => {
                let mut layers: Vec<String> =
                    (0..=g.below(5)).map(|_| random_layer(&mut g)).collect();
                if g.below(4) != 0 {
                    layers.push(r#"{"type":"dense","units":10}"#.into());
                }
                let input = g.pick(&[
                    "[784]",
                    "[784]",
                    "[1,28,28]",
                    "[28,28]",
                    "[]",
                    "[18446744073709551615,2]",
                ]);
                format!(r#"{{"input":{input},"layers":[{}]}}"#, layers.join(","))
            }
            // A preset with its bytes mutated.
            1 => {
                let base = g.pick(&presets);
                String::from_utf8_lossy(&mutate(&mut g, base.as_bytes(), base.len())).into_owned()
            }
            // A preset with one number replaced: well-formed JSON, values at and past the limits.
            _ => {
                let base = g.pick(&presets);
                let numbers: Vec<usize> = base
                    .match_indices(|c: char| c.is_ascii_digit())
                    .map(|(at, _)| at)
                    .collect();
                let at = numbers[g.below(numbers.len())];
                let end = at
                    + base[at..]
                        .find(|c: char| !c.is_ascii_digit() && c != '.')
                        .unwrap_or(0);
                let value = g.pick(&[
                    "0", "1", "2", "3", "9", "10", "11", "0.5", "1.0", "-1", "4096", "4097", "512",
                    "513", "1e9",
                ]);
                format!("{}{}{}", &base[..at], value, &base[end..])
            }
        };
        tally.run(&json, || {
            let spec = ModelSpec::from_json(&json)?;
            spec.shapes()?;
            let n = spec.parameter_count()?;
            // Build and run what is small enough to build quickly here (the page builds any
            // accepted spec; its size is bounded by the layer limits).
            if n <= 300_000 {
                let params = init_params(&spec, 1)?;
                let mut cpu = CpuBackend::new(&spec, &params, 2)?;
                let logits = block_on(cpu.logits(&[0.5; 784 * 2]))?;
                assert_eq!(logits.len(), 20, "{json}");
            }
            Ok(())
        });
    }
    // Specs within every layer's own limits that would still need gigabytes: refused, not built.
    for json in [
        r#"{"input":[1,28,28],"layers":[{"type":"conv2d","filters":512,"kernel":3,"padding":"same"},{"type":"flatten"},{"type":"dense","units":4096},{"type":"dense","units":10}]}"#,
        r#"{"input":[784],"layers":[{"type":"dense","units":4096},{"type":"dense","units":4096},{"type":"dense","units":4096},{"type":"dense","units":4096},{"type":"dense","units":10}]}"#,
    ] {
        let spec = ModelSpec::from_json(json);
        let err = spec
            .and_then(|s| s.parameter_count())
            .expect_err(json)
            .to_string();
        assert!(
            err.contains("parameters; the most this playground trains"),
            "{err}"
        );
    }
    let wide = ModelSpec::from_json(r#"{"input":[1,28,28],"layers":[{"type":"conv2d","filters":512,"kernel":3,"padding":"same"},{"type":"max_pool2d","size":28},{"type":"flatten"},{"type":"dense","units":10}]}"#).unwrap();
    assert!(wide.check_batch_memory(1024).is_err() && wide.check_batch_memory(8).is_ok());
    tally.report("model specs (JSON)");
    assert!(
        tally.accepted > 20 && tally.refused > 100,
        "both outcomes are exercised"
    );
}

#[test]
fn model_files_are_accepted_or_refused_and_a_refusal_keeps_the_model() {
    let mut g = Gen(0x5eed_0002);
    let mut tally = Tally::default();
    let spec = small_spec();
    let d = data(&mut g, 64);
    let mut t = trainer(
        &spec,
        TrainerConfig {
            batch: 8,
            ..TrainerConfig::default()
        },
        &d,
    )
    .unwrap();
    let image: Vec<f32> = (0..784).map(|i| (i % 7) as f32 / 7.0).collect();
    let good = weights::to_safetensors(&spec, &init_params(&spec, 9).unwrap()).unwrap();
    let header = 8 + u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    let header_text = String::from_utf8_lossy(&good[8..header]).into_owned();
    for i in 0..400 {
        let bytes = match i % 4 {
            // Byte mutations, mostly in the header where the structure is.
            0 => mutate(&mut g, &good, header + 16),
            1 => mutate(&mut g, &good, good.len()),
            // Header edits that keep the JSON well formed: dtype, shapes, offsets, the spec.
            2 => {
                let (from, to) = g.pick(&[
                    ("\"F32\"", "\"F16\""),
                    ("\"F32\"", "\"I64\""),
                    ("[16,784]", "[784,16]"),
                    ("[16,784]", "[16,785]"),
                    ("\"units\":16", "\"units\":17"),
                    ("\"units\":16", "\"units\":100000"),
                    ("data_offsets\":[0,", "data_offsets\":[4,"),
                    ("\"dense\"", "\"conv2d\""),
                ]);
                let text = header_text.replacen(from, to, 1);
                let mut b = (text.len() as u64).to_le_bytes().to_vec();
                b.extend_from_slice(text.as_bytes());
                b.extend_from_slice(&good[header..]);
                b
            }
            // Weights that are not numbers, or a header length that lies.
            _ => {
                let mut b = good.clone();
                if g.below(2) == 0 {
                    let at = header + 4 * g.below((good.len() - header) / 4);
                    let v = g.pick(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30, -0.0]);
                    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
                } else {
                    let n = g.pick(&[u64::MAX, 1 << 40, good.len() as u64, 0, 1, header as u64]);
                    b[..8].copy_from_slice(&n.to_le_bytes());
                }
                b
            }
        };
        let before = fingerprint(&mut t, &image);
        let loaded = tally.run(&format!("file case {i}"), || {
            let (file_spec, params) = weights::from_safetensors(&bytes)?;
            if file_spec != spec {
                // The page builds a new session for another architecture: it must build.
                gradient_garden::cpu::Inference::new(&file_spec, &params)?.probabilities(&image)?;
                return Ok(false);
            }
            t.load_params(&params)?;
            Ok(true)
        });
        if loaded != Some(true) {
            assert_eq!(
                fingerprint(&mut t, &image),
                before,
                "file case {i} was refused but changed the model"
            );
        }
    }
    tally.report("model files (.safetensors)");
    assert!(tally.refused > 100, "most mutations are refused");
}

#[test]
fn settings_are_accepted_or_refused_and_a_refusal_changes_nothing() {
    let mut g = Gen(0x5eed_0003);
    let (mut built, mut live) = (Tally::default(), Tally::default());
    let spec = small_spec();
    let d = data(&mut g, 96);
    let image = vec![0.25; 784];
    let mut t = trainer(
        &spec,
        TrainerConfig {
            batch: 8,
            ..TrainerConfig::default()
        },
        &d,
    )
    .unwrap();
    for i in 0..300 {
        let kind = g.pick(&[
            OptimizerKind::Adam,
            OptimizerKind::Sgd,
            OptimizerKind::Momentum,
        ]);
        let optimizer = OptimizerConfig {
            kind,
            lr: g.nasty_f32(),
            weight_decay: if g.below(2) == 0 { 0.0 } else { g.nasty_f32() },
            momentum: if g.below(2) == 0 { 0.9 } else { g.nasty_f32() },
            ..OptimizerConfig::default()
        };
        // A new trainer: every setting at once (only a few per case are usually off).
        let config = TrainerConfig {
            batch: if g.below(2) == 0 { 8 } else { g.nasty_usize() },
            optimizer,
            seed: g.pick(&[1, 0, u32::MAX as u64, u32::MAX as u64 + 1, u64::MAX]),
            shuffle: true,
            augment: Augment {
                shift: if g.below(2) == 0 { 0.0 } else { g.nasty_f32() },
                rotate: if g.below(2) == 0 { 0.0 } else { g.nasty_f32() },
            },
            validation: if g.below(2) == 0 { 0.1 } else { g.nasty_f32() },
        };
        let what = format!("case {i}: {config:?}");
        // Small batches only get built (a valid batch of 1024 needs more data than these 96).
        built.run(&what, || {
            gradient_garden::limits::check_trainer(&config)?;
            if config.batch <= 16 {
                let mut fresh = trainer(&spec, config.clone(), &d)?;
                fresh.step()?;
                block_on(fresh.poll())?;
            }
            Ok(())
        });
        // The same values as live changes to a running trainer.
        let before = fingerprint(&mut t, &image);
        let changed = live.run(&what, || {
            t.set_optimizer(optimizer)?;
            t.set_augment(config.augment)?;
            Ok(())
        });
        if changed.is_none() {
            let after = fingerprint(&mut t, &image);
            // A refused optimizer changes nothing; an accepted optimizer with a refused augment
            // keeps the new optimizer (two calls, as the page makes them), so compare the answer.
            assert_eq!(after.1, before.1, "{what}: refused but the model changed");
            if t.config().optimizer != optimizer {
                assert_eq!(
                    after.0, before.0,
                    "{what}: refused but the settings changed"
                );
            }
        }
        // Put back sane settings for the next case.
        t.set_optimizer(OptimizerConfig::default()).unwrap();
        t.set_augment(Augment::default()).unwrap();
    }
    built.report("trainer settings (new trainer)");
    live.report("optimizer + augment (live change)");
    assert!(built.accepted > 5 && built.refused > 100 && live.accepted > 5 && live.refused > 50);
}

#[test]
fn images_are_accepted_or_refused_and_a_refusal_changes_nothing() {
    let mut g = Gen(0x5eed_0004);
    let mut tally = Tally::default();
    let spec = small_spec();
    let d = data(&mut g, 64);
    let mut t = trainer(
        &spec,
        TrainerConfig {
            batch: 8,
            ..TrainerConfig::default()
        },
        &d,
    )
    .unwrap();
    let fixed = vec![0.5; 784];
    let before = fingerprint(&mut t, &fixed);
    for i in 0..300 {
        let len = g.pick(&[784, 784, 784, 0, 1, 783, 785, 1568]);
        let mut image: Vec<f32> = (0..len)
            .map(|_| (g.next() >> 40) as f32 / (1u64 << 24) as f32)
            .collect();
        for _ in 0..g.below(3) {
            if !image.is_empty() {
                let at = g.below(image.len());
                image[at] = g.nasty_f32();
            }
        }
        let what = format!("image case {i}: {} values", image.len());
        tally.run(&what, || {
            let probs = block_on(t.predict(&image))?;
            assert!(
                probs.iter().all(|p| p.is_finite()),
                "{what}: accepted but not finite"
            );
            let layers = block_on(t.activations(&image))?;
            assert_eq!(layers.len(), spec.layers.len());
            Ok(())
        });
        assert_eq!(
            fingerprint(&mut t, &fixed),
            before,
            "{what} changed the model"
        );
    }
    tally.report("images (predict + activations)");
    assert!(tally.accepted > 50 && tally.refused > 50);
}

/// Learning-rate schedules from JSON (the page's `configure({schedule})`): accepted or refused
/// with a message, never a panic; every accepted one scales the rate by a factor in [0, 1] at any
/// step, and a trainer follows it with finite, positive rates.
#[test]
fn schedules_are_accepted_or_refused_cleanly() {
    use gradient_garden::schedule::Schedule;
    let mut g = Gen(0x5eed_0005);
    let mut tally = Tally::default();
    let spec = small_spec();
    let d = data(&mut g, 48);
    let mut t = trainer(
        &spec,
        TrainerConfig {
            batch: 8,
            ..TrainerConfig::default()
        },
        &d,
    )
    .unwrap();
    let kinds = [
        "constant",
        "step",
        "cosine",
        "warmup_cosine",
        "onecycle",
        "linear",
        "",
    ];
    let keys = [
        "every",
        "gamma",
        "steps",
        "floor",
        "warmup",
        "rise",
        "div",
        "final_div",
        "bogus",
    ];
    for i in 0..400 {
        let mut obj = serde_json::Map::new();
        obj.insert("kind".into(), g.pick(&kinds).into());
        for _ in 0..g.below(4) {
            let value: serde_json::Value = match g.below(4) {
                0 => (g.nasty_usize() as u64).into(),
                1 => serde_json::Number::from_f64(g.nasty_f32() as f64)
                    .map_or(serde_json::Value::Null, Into::into),
                2 => g.pick(&[1u64, 2, 10, 100, 1000]).into(),
                _ => g.pick(&["", "x", "1"]).into(),
            };
            obj.insert(g.pick(&keys).into(), value);
        }
        let json = serde_json::Value::Object(obj);
        tally.run(&format!("case {i}: {json}"), || {
            let s = Schedule::from_json(&json)?;
            for step in [0u64, 1, 7, 1000, u32::MAX as u64, u64::MAX] {
                let f = s.factor(step);
                assert!(
                    (0.0..=1.0).contains(&f),
                    "{json}: factor {f} at step {step}"
                );
            }
            t.set_schedule(s)?;
            t.step()?;
            let records = block_on(t.poll())?;
            assert!(
                records.iter().all(|r| r.lr > 0.0 && r.lr.is_finite()),
                "{json}: {records:?}"
            );
            Ok(())
        });
    }
    tally.report("schedules (JSON)");
    assert!(tally.accepted > 20 && tally.refused > 100);
}
