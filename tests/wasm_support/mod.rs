//! Helpers shared by the browser tests (`mod wasm_support;` in a wasm32-only test file): the
//! bundled MNIST subset as a page `Dataset`, seeded digit-like images, and awaiting a promise.
#![allow(dead_code)]
use gradient_garden::wasm::Dataset;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// The page's bundled MNIST (10,000 training and 10,000 test images), compiled into the test.
pub fn mnist() -> Dataset {
    Dataset::from_idx(
        include_bytes!("../../www/data/train10k-images-idx3-ubyte.gz"),
        include_bytes!("../../www/data/train10k-labels-idx1-ubyte.gz"),
        include_bytes!("../../www/data/t10k-images-idx3-ubyte.gz"),
        include_bytes!("../../www/data/t10k-labels-idx1-ubyte.gz"),
    )
    .expect("MNIST parses")
}

/// Seeded digit-like images: a bright blob whose position depends on the label.
pub fn synthetic(n: usize) -> (Vec<u8>, Vec<u8>) {
    let mut images = vec![0u8; n * 784];
    let labels: Vec<u8> = (0..n).map(|i| (i * 7 % 10) as u8).collect();
    let mut s = 12345u32;
    for (i, &l) in labels.iter().enumerate() {
        let (cx, cy) = (6 + 2 * l as usize, 8 + (l as usize % 5) * 3);
        for y in 0..28 {
            for x in 0..28 {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let d = (x as i32 - cx as i32).pow(2) + (y as i32 - cy as i32).pow(2);
                let v = if d < 20 { 200 + (s >> 29) } else { s >> 28 };
                images[i * 784 + y * 28 + x] = v as u8;
            }
        }
    }
    (images, labels)
}

/// The value a promise resolves to (a rejection fails the test).
pub async fn wait(p: js_sys::Promise) -> JsValue {
    JsFuture::from(p).await.expect("the promise resolves")
}
