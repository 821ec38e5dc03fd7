//! Browser test of the JS surface for steps split across two workers (`wasm::parallel`): a step
//! taken as planStep -> paramsFlat -> (another Session: setParamsFlat, gradients) -> gradients
//! -> finishStep equals a `train(1)` step, with dropout and augmentation; bad input rejects.
//!
//! Runs in headless Chromium with the other browser tests (scripts/test.sh, layer `wasm`).
#![cfg(target_arch = "wasm32")]

mod wasm_support;

use gradient_garden::wasm::{Dataset, Session};
use js_sys::{Array, Float32Array, Object, Reflect};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_support::{mnist, wait};

wasm_bindgen_test_configure!(run_in_browser);

const BATCH: u32 = 12;

fn config(backend: &str, seed: u64) -> JsValue {
    let spec = serde_json::json!({
        "input": [1, 28, 28],
        "layers": [
            {"type": "conv2d", "filters": 3, "kernel": 3, "padding": "same"},
            {"type": "relu"},
            {"type": "max_pool2d", "size": 2},
            {"type": "dropout", "rate": 0.3},
            {"type": "flatten"},
            {"type": "dense", "units": 16},
            {"type": "tanh"},
            {"type": "dropout", "rate": 0.5},
            {"type": "dense", "units": 10}
        ],
        "loss": "softmax_cross_entropy"
    });
    let c = serde_json::json!({
        "model": spec, "backend": backend, "batch": BATCH, "seed": seed,
        "augment": {"shift": 2.0, "rotate": 10.0}, "validation": 0.1
    });
    js_sys::JSON::parse(&c.to_string()).unwrap()
}

async fn session(backend: &str, seed: u64, data: &Dataset) -> Result<Session, JsValue> {
    let s = JsFuture::from(Session::create(config(backend, seed), data, None)).await?;
    Ok(Session::try_from_js_value(s).expect("a Session"))
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).expect("an object")
}

fn floats(v: &JsValue) -> Vec<f32> {
    Float32Array::from(v.clone()).to_vec()
}

/// One step split at sample 5: `main` plans and applies, `helper` computes 5..BATCH. As in the
/// page, arrays are reused: `buffer` carries the weights out and the helper's gradients back,
/// `own` takes main's gradients, or with `kept` main keeps its part in its wasm memory
/// (`ownGradients`) and adds the helper's to it (`finishStepAdding`).
async fn split_step(
    main: &Session,
    helper: &Session,
    buffer: &Float32Array,
    own: &Float32Array,
    kept: bool,
) -> JsValue {
    let plan = wait(main.plan_step()).await;
    let params = wait(main.params_flat(Some(buffer.clone()))).await;
    assert_eq!(
        params,
        JsValue::from(buffer.clone()),
        "the weights went into `buffer`"
    );
    wait(helper.set_params_flat(buffer.clone())).await;
    let theirs = wait(helper.gradients(plan.clone(), 5, BATCH, Some(buffer.clone()))).await;
    assert_eq!(get(&theirs, "grads"), JsValue::from(buffer.clone()));
    if kept {
        let mine = wait(main.own_gradients(plan.clone(), 0, 5)).await;
        assert_eq!(get(&mine, "samples").as_f64(), Some(5.0));
        wait(main.finish_step_adding(theirs)).await;
        return plan;
    }
    let mine = wait(main.gradients(plan.clone(), 0, 5, Some(own.clone()))).await;
    let parts: Array = [mine, theirs].into_iter().collect();
    wait(main.finish_step(parts)).await;
    plan
}

#[wasm_bindgen_test]
async fn split_steps_equal_train_steps() {
    let data = mnist();
    let one = session("cpu", 4, &data).await.unwrap();
    let main = session("cpu", 4, &data).await.unwrap();
    // Other starting weights: the helper must compute with the weights it is sent.
    let helper = session("cpu", 77, &data).await.unwrap();
    wait(one.train(6)).await;
    let n = Float32Array::from(wait(main.params_flat(None)).await).length();
    let (buffer, own) = (
        Float32Array::new_with_length(n),
        Float32Array::new_with_length(n),
    );
    for step in 0..6 {
        let plan = split_step(&main, &helper, &buffer, &own, step % 2 == 1).await;
        assert_eq!(
            Float32Array::from(get(&plan, "transforms")).length(),
            6 * BATCH
        );
    }
    let (a, b) = (wait(one.metrics()).await, wait(main.metrics()).await);
    let (a, b) = (Array::from(&a), Array::from(&b));
    assert_eq!(a.length(), 6);
    assert_eq!(b.length(), 6);
    for (x, y) in a.iter().zip(b.iter()) {
        for key in ["step", "epoch", "accuracy", "lr"] {
            assert_eq!(get(&x, key).as_f64(), get(&y, key).as_f64(), "{key}");
        }
        let (lx, ly) = (
            get(&x, "loss").as_f64().unwrap(),
            get(&y, "loss").as_f64().unwrap(),
        );
        assert!(
            (lx - ly).abs() < 1e-5 * lx.max(1.0),
            "loss {lx} vs split {ly}"
        );
    }
    let (wa, wb) = (
        floats(&wait(one.params_flat(None)).await),
        floats(&wait(main.params_flat(None)).await),
    );
    let diff = wa
        .iter()
        .zip(&wb)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(diff < 5e-5, "weights differ by {diff}");
}

#[wasm_bindgen_test]
async fn bad_input_rejects() {
    let data = mnist();
    let s = session("cpu", 1, &data).await.unwrap();
    let plan = wait(s.plan_step()).await;
    let fails = |p: js_sys::Promise| async move { JsFuture::from(p).await.is_err() };
    assert!(fails(s.gradients(JsValue::NULL, 0, 4, None)).await);
    let broken: JsValue = Object::new().into();
    Reflect::set(&broken, &"indices".into(), &Array::new()).unwrap();
    assert!(
        fails(s.gradients(broken, 0, 4, None)).await,
        "indices as a plain array"
    );
    assert!(
        fails(s.gradients(plan.clone(), 4, 4, None)).await,
        "an empty part"
    );
    assert!(fails(s.gradients(plan.clone(), 0, BATCH + 1, None)).await);
    assert!(fails(s.finish_step(Array::new())).await, "no parts");
    // An array of the wrong length is not written into: the result comes in a new one.
    let small = Float32Array::new_with_length(3);
    let part = wait(s.gradients(plan.clone(), 0, 6, Some(small.clone()))).await;
    assert!(Float32Array::from(get(&part, "grads")).length() > 3);
    assert_eq!(small.to_vec(), vec![0.0; 3]);
    let half: Array = [part.clone()].into_iter().collect();
    assert!(fails(s.finish_step(half)).await, "half a batch");
    assert!(fails(s.set_params_flat(Float32Array::new_with_length(3))).await);
    // Nothing was recorded by the failures; a whole part finishes the step.
    let whole: Array = [part, wait(s.gradients(plan, 6, BATCH, None)).await]
        .into_iter()
        .collect();
    wait(s.finish_step(whole)).await;
    assert_eq!(Array::from(&wait(s.metrics()).await).length(), 1);

    match session("gpu", 1, &data).await {
        Ok(gpu) => {
            let plan = wait(gpu.plan_step()).await;
            let err = JsFuture::from(gpu.gradients(plan, 0, 6, None))
                .await
                .unwrap_err();
            let text = format!("{err:?}");
            assert!(text.contains("CPU backend"), "{text}");
        }
        Err(e) if option_env!("GARDEN_ALLOW_NO_GPU").is_some() => {
            console_log!(
                "SKIP: no WebGPU session ({e:?}); GARDEN_ALLOW_NO_GPU was set at build time"
            );
        }
        Err(e) => panic!("no WebGPU session: {e:?}"),
    }
}
