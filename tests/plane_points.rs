#![cfg(not(target_arch = "wasm32"))]
//! The plane's data: each generator's shape, range and seed stability, the feature maps, the
//! train/test split, hand-drawn points and the settings' checks.
use gradient_garden::points::config::{HiddenActivation, MAX_HIDDEN_LAYERS};
use gradient_garden::points::features::{feature_rows, grid_points};
use gradient_garden::points::{
    generate, DatasetKind, Feature, PlaneConfig, PlaneTrainer, Points, Targets, EXTENT,
};

const ALL: [(DatasetKind, usize); 8] = [
    (DatasetKind::Circle, 2),
    (DatasetKind::Xor, 2),
    (DatasetKind::Gauss, 2),
    (DatasetKind::Spiral, 2),
    (DatasetKind::Spiral, 3),
    (DatasetKind::Spiral, 4),
    (DatasetKind::Plane, 1),
    (DatasetKind::Multigauss, 1),
];

#[test]
fn every_generator_gives_n_points_with_targets_of_its_kind() {
    for (kind, classes) in ALL {
        for noise in [0.0, 0.25, 0.5] {
            let p = generate(kind, classes.max(2), 301, noise, 7).unwrap();
            assert_eq!(p.len(), 301, "{kind:?}");
            // Spiral and gaussian noise may carry a point a little past the square; never far.
            let reach = EXTENT + 3.0;
            assert!(
                p.xy.iter().all(|[x, y]| x.is_finite()
                    && y.is_finite()
                    && x.abs() < reach
                    && y.abs() < reach),
                "{kind:?} noise {noise}: a point far outside the plane"
            );
            match &p.targets {
                Targets::Classes { labels, classes: k } => {
                    assert!(!kind.is_regression());
                    assert_eq!((*k, labels.len()), (classes, 301), "{kind:?}");
                    for c in 0..classes as u8 {
                        let count = labels.iter().filter(|&&l| l == c).count();
                        assert!(
                            count >= 301 / classes / 3,
                            "{kind:?}: class {c} has {count} points"
                        );
                    }
                    assert!(labels.iter().all(|&l| (l as usize) < classes));
                }
                Targets::Values(v) => {
                    assert!(kind.is_regression());
                    assert_eq!(v.len(), 301);
                    assert!(v.iter().all(|v| (-1.0..=1.0).contains(v)), "{kind:?}");
                    let spread = v.iter().cloned().fold(f32::MIN, f32::max)
                        - v.iter().cloned().fold(f32::MAX, f32::min);
                    assert!(spread > 1.0, "{kind:?}: values span only {spread}");
                }
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_points_and_another_seed_others() {
    for (kind, classes) in ALL {
        let a = generate(kind, classes.max(2), 200, 0.2, 3).unwrap();
        assert_eq!(
            a,
            generate(kind, classes.max(2), 200, 0.2, 3).unwrap(),
            "{kind:?}"
        );
        assert_ne!(
            a,
            generate(kind, classes.max(2), 200, 0.2, 4).unwrap(),
            "{kind:?}"
        );
    }
}

#[test]
fn noiseless_patterns_have_their_labels_where_expected() {
    let xor = generate(DatasetKind::Xor, 2, 400, 0.0, 1).unwrap();
    let Targets::Classes { labels, .. } = &xor.targets else {
        panic!()
    };
    for ([x, y], &l) in xor.xy.iter().zip(labels) {
        assert_eq!(l == 1, x * y >= 0.0, "xor at ({x}, {y})");
    }
    let circle = generate(DatasetKind::Circle, 2, 400, 0.0, 1).unwrap();
    let Targets::Classes { labels, .. } = &circle.targets else {
        panic!()
    };
    for ([x, y], &l) in circle.xy.iter().zip(labels) {
        assert_eq!(l == 1, x.hypot(*y) < 3.0, "circle at ({x}, {y})");
    }
}

#[test]
fn generators_refuse_what_they_cannot_make() {
    assert!(generate(DatasetKind::Circle, 3, 100, 0.0, 1).is_err());
    assert!(generate(DatasetKind::Spiral, 5, 100, 0.0, 1).is_err());
    assert!(generate(DatasetKind::Xor, 2, 0, 0.0, 1).is_err());
    assert!(generate(DatasetKind::Xor, 2, 100, 0.6, 1).is_err());
    assert!(generate(DatasetKind::Xor, 2, 100, f32::NAN, 1).is_err());
}

#[test]
fn features_are_the_named_functions_of_the_point() {
    let rows = feature_rows(&[[2.0, -3.0]], &Feature::ALL);
    let want = [2.0, -3.0, 4.0, 9.0, -6.0, 2f32.sin(), (-3f32).sin()];
    assert_eq!(rows, want);
    for f in Feature::ALL {
        assert_eq!(Feature::parse(f.name()).unwrap(), f);
    }
    assert!(Feature::parse("x3")
        .unwrap_err()
        .to_string()
        .contains("x1^2"));
}

#[test]
fn the_grid_runs_row_by_row_from_the_top_left() {
    let g = grid_points(4, 6.0);
    assert_eq!(g.len(), 16);
    assert_eq!(g[0], [-4.5, 4.5]);
    assert_eq!(g[3], [4.5, 4.5]);
    assert_eq!(g[15], [4.5, -4.5]);
}

#[test]
fn the_split_keeps_every_point_once() {
    let p = generate(DatasetKind::Gauss, 2, 101, 0.1, 9).unwrap();
    let (train, test) = p.split(0.3, 9).unwrap();
    assert_eq!((train.len(), test.len()), (30, 71));
    let mut all: Vec<[u32; 2]> = train
        .xy
        .iter()
        .chain(&test.xy)
        .map(|[x, y]| [x.to_bits(), y.to_bits()])
        .collect();
    let mut want: Vec<[u32; 2]> =
        p.xy.iter()
            .map(|[x, y]| [x.to_bits(), y.to_bits()])
            .collect();
    all.sort();
    want.sort();
    assert_eq!(all, want);
    assert_eq!(p.split(0.3, 9).unwrap(), (train, test), "seeded");
    assert!(p.split(0.95, 9).is_err());
}

#[test]
fn hand_drawn_points_are_checked_then_trained_on() {
    let mut t = PlaneTrainer::new(PlaneConfig::default()).unwrap();
    let n = t.train.len();
    t.add_point(1.0, 1.0, 1.0).unwrap();
    assert_eq!(t.train.len(), n + 1);
    assert!(t.add_point(1.0, 1.0, 2.0).is_err(), "class 2 of 2");
    assert!(t.add_point(7.0, 0.0, 0.0).is_err(), "outside the plane");
    assert!(t.add_point(0.0, f32::NAN, 0.0).is_err());
    t.step(60).unwrap();
    let mut points = Points {
        xy: vec![],
        targets: Targets::Values(vec![]),
    };
    assert!(
        points.push(0.0, 0.0, 1.5).is_err(),
        "a value outside [-1, 1]"
    );
    points.push(0.0, 0.0, -0.5).unwrap();
}

#[test]
fn settings_outside_their_ranges_are_refused_with_their_name() {
    let bad = |c: PlaneConfig, word: &str| {
        let e = PlaneTrainer::new(c).err().expect("refused").to_string();
        assert!(e.contains(word), "{e:?} should name {word}");
    };
    let ok = PlaneConfig::default();
    bad(
        PlaneConfig {
            layers: vec![9],
            ..ok.clone()
        },
        "neurons",
    );
    bad(
        PlaneConfig {
            layers: vec![2; MAX_HIDDEN_LAYERS + 1],
            ..ok.clone()
        },
        "hidden layers",
    );
    bad(
        PlaneConfig {
            features: vec![],
            ..ok.clone()
        },
        "feature",
    );
    bad(
        PlaneConfig {
            features: vec![Feature::X1, Feature::X1],
            ..ok.clone()
        },
        "twice",
    );
    bad(
        PlaneConfig {
            batch: 0,
            ..ok.clone()
        },
        "batch",
    );
    bad(
        PlaneConfig {
            ratio: 1.0,
            ..ok.clone()
        },
        "ratio",
    );
    bad(
        PlaneConfig {
            classes: 3,
            ..ok.clone()
        },
        "classes",
    );
    let mut l1 = ok.clone();
    l1.optimizer.l1 = 2.0;
    bad(l1, "L1");
    bad(
        PlaneConfig {
            problem: Some(gradient_garden::points::Problem::Regression),
            ..ok.clone()
        },
        "Classification",
    );
    // Every activation and no hidden layer at all build.
    for activation in [
        HiddenActivation::Relu,
        HiddenActivation::Tanh,
        HiddenActivation::Sigmoid,
        HiddenActivation::Linear,
    ] {
        for layers in [vec![], vec![3, 1]] {
            let mut t = PlaneTrainer::new(PlaneConfig {
                activation,
                layers,
                ..ok.clone()
            })
            .unwrap();
            t.step(3).unwrap();
            let g = t.grid(5).unwrap();
            assert_eq!(g.output.len(), 25 * 2);
        }
    }
}

#[test]
fn grid_probabilities_sum_to_one_and_regression_gives_one_value() {
    let t = PlaneTrainer::new(PlaneConfig {
        dataset: DatasetKind::Spiral,
        classes: 3,
        layers: vec![4, 3],
        ..PlaneConfig::default()
    })
    .unwrap();
    let g = t.grid(7).unwrap();
    assert_eq!(g.output.len(), 49 * 3);
    assert_eq!(
        g.hidden.iter().map(Vec::len).collect::<Vec<_>>(),
        [49 * 4, 49 * 3]
    );
    for row in g.output.chunks(3) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
    let mut r = PlaneTrainer::new(PlaneConfig {
        dataset: DatasetKind::Plane,
        ..PlaneConfig::default()
    })
    .unwrap();
    assert_eq!(r.grid(6).unwrap().output.len(), 36);
    let before = r.test_metrics().unwrap();
    assert!(before.accuracy.is_none());
    r.step(400).unwrap();
    let after = r.test_metrics().unwrap();
    assert!(
        after.loss < before.loss * 0.5,
        "regression loss {} -> {}",
        before.loss,
        after.loss
    );
}

#[test]
fn a_rate_that_blows_up_stops_with_finite_weights() {
    // A linear net on a regression is a quadratic bowl: past a rate of 2 / curvature, plain
    // gradient descent grows geometrically, and x1^2 (up to 36) makes the curvature large.
    let mut config = PlaneConfig {
        dataset: DatasetKind::Plane,
        features: vec![Feature::X1Squared, Feature::X2Squared],
        layers: vec![4],
        activation: HiddenActivation::Linear,
        ..PlaneConfig::default()
    };
    config.optimizer.lr = 10.0;
    let mut t = PlaneTrainer::new(config).unwrap();
    let mut failed = None;
    for _ in 0..200 {
        if let Err(e) = t.step(10) {
            failed = Some(e.to_string());
            break;
        }
    }
    let message = failed.expect("SGD at rate 10 on a linear regression overflows");
    assert!(message.contains("learning rate"), "{message}");
    assert!(t
        .model()
        .params
        .iter()
        .all(|p| p.tensor.data.iter().all(|v| v.is_finite())));
    assert!(t.grid(4).unwrap().output.iter().all(|v| v.is_finite()));
}

#[test]
fn a_snapshot_of_the_weights_comes_back_exactly_and_bad_ones_are_refused() {
    let mut t = PlaneTrainer::new(PlaneConfig::default()).unwrap();
    t.step(20).unwrap();
    let early = t.params_flat();
    let early_grid = t.grid(6).unwrap();
    t.step(200).unwrap();
    let live = t.params_flat();
    assert_ne!(early, live);
    t.set_params_flat(&early).unwrap();
    assert_eq!(t.grid(6).unwrap(), early_grid);
    t.set_params_flat(&live).unwrap();
    assert_eq!(t.params_flat(), live);
    assert!(t.set_params_flat(&live[1..]).is_err());
    let mut nan = live.clone();
    nan[3] = f32::NAN;
    assert!(t
        .set_params_flat(&nan)
        .unwrap_err()
        .to_string()
        .contains("parameter 3"));
    assert_eq!(t.params_flat(), live, "a refused list changes nothing");
}
