//! The fuzz tests' tools (tests/fuzz_doors.rs): a seeded generator of nasty values, byte
//! mutations, an accepted/refused tally that turns a panic into a failure naming its input, and
//! a small CPU trainer on synthetic data.
#![allow(dead_code)]
use gradient_garden::cpu::CpuBackend;
use gradient_garden::data::mnist::Mnist;
use gradient_garden::engine::Engine;
use gradient_garden::error::Result;
use gradient_garden::init::init_params;
use gradient_garden::spec::ModelSpec;
use gradient_garden::trainer::{Trainer, TrainerConfig};
use pollster::block_on;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// xorshift64*: enough randomness for mutations, and the same cases on every run.
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }
    /// A number from the places that break things: edges, zero, negatives, huge, NaN, infinity.
    pub fn nasty_f32(&mut self) -> f32 {
        let xs = [
            0.0,
            -0.0,
            1e-45,
            1e-7,
            0.001,
            0.5,
            0.9,
            0.999_999,
            1.0,
            1.000_001,
            8.0,
            8.01,
            10.0,
            10.01,
            45.0,
            46.0,
            1e9,
            -1.0,
            -1e-9,
            f32::MAX,
            f32::MIN,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        if self.below(3) == 0 {
            (self.next() >> 40) as f32 / (1u64 << 20) as f32 * self.pick(&[1.0, 10.0, 100.0])
        } else {
            self.pick(&xs)
        }
    }
    pub fn nasty_usize(&mut self) -> usize {
        let xs = [
            0,
            1,
            2,
            3,
            7,
            11,
            12,
            28,
            64,
            512,
            513,
            1024,
            1025,
            4096,
            4097,
            1 << 20,
            usize::MAX,
        ];
        self.pick(&xs)
    }
}

/// Accepted/refused counts of one class, printed at the end.
#[derive(Default)]
pub struct Tally {
    pub accepted: usize,
    pub refused: usize,
}

impl Tally {
    /// Run `case` (described by `what` if it panics); Ok counts as accepted, a clean Err as
    /// refused. Panics and empty messages fail the test with the input.
    pub fn run<T>(&mut self, what: &str, case: impl FnOnce() -> Result<T>) -> Option<T> {
        match catch_unwind(AssertUnwindSafe(case)) {
            Err(_) => panic!("panicked on {what}"),
            Ok(Ok(v)) => {
                self.accepted += 1;
                Some(v)
            }
            Ok(Err(e)) => {
                assert!(!e.to_string().trim().is_empty(), "empty message for {what}");
                self.refused += 1;
                None
            }
        }
    }
    pub fn report(&self, class: &str) {
        println!(
            "fuzz {class}: {} cases, {} accepted, {} refused",
            self.accepted + self.refused,
            self.accepted,
            self.refused
        );
    }
}

/// A few hundred synthetic images: the doors need data of the right shape, not real digits.
pub fn data(g: &mut Gen, n: usize) -> Mnist {
    Mnist {
        images: (0..n * 784).map(|_| g.next() as u8).collect(),
        labels: (0..n).map(|_| g.below(10) as u8).collect(),
    }
}

pub fn small_spec() -> ModelSpec {
    ModelSpec::from_json(r#"{"input":[784],"layers":[{"type":"dense","units":16},{"type":"relu"},{"type":"dense","units":10}]}"#)
        .unwrap()
}

pub fn trainer(spec: &ModelSpec, config: TrainerConfig, data: &Mnist) -> Result<Trainer> {
    let params = init_params(spec, config.seed)?;
    let engine = Engine::Cpu(Box::new(CpuBackend::new(spec, &params, config.batch)?));
    Trainer::new(engine, spec.clone(), config, data)
}

/// What a refused call must leave alone: the trainer's settings and its answer for one image.
pub fn fingerprint(t: &mut Trainer, image: &[f32]) -> (String, Vec<u32>) {
    let probs = block_on(t.predict(image)).unwrap();
    (
        format!("{:?}", t.config()),
        probs.iter().map(|p| p.to_bits()).collect(),
    )
}

/// One random layer as JSON, usually plausible, sometimes with a broken field.
pub fn random_layer(g: &mut Gen) -> String {
    let n = g.nasty_usize();
    let k = g.nasty_usize();
    match g.below(9) {
        0 | 1 => format!(r#"{{"type":"dense","units":{}}}"#, g.pick(&[n, 10, 32])),
        2 => format!(
            r#"{{"type":"conv2d","filters":{},"kernel":{},"padding":"{}"}}"#,
            g.pick(&[n, 4]),
            g.pick(&[k, 3, 5]),
            g.pick(&["same", "valid", "full"])
        ),
        3 => format!(r#"{{"type":"max_pool2d","size":{}}}"#, g.pick(&[n, 2])),
        4 => format!(
            r#"{{"type":"dropout","rate":{}}}"#,
            g.pick(&["0.5", "1", "-0.1", "1e300", "null"])
        ),
        5 => r#"{"type":"flatten"}"#.into(),
        6 => format!(
            r#"{{"type":"{}"}}"#,
            g.pick(&["relu", "sigmoid", "tanh", "gelu"])
        ),
        7 => format!(r#"{{"type":"dense","units":{n},"extra":1}}"#),
        _ => g
            .pick(&["{}", "null", "[]", "3", r#"{"type":"dense"}"#])
            .into(),
    }
}

/// Byte-level mutations of a valid text or file: flips, cuts, duplicated and dropped spans.
pub fn mutate(g: &mut Gen, bytes: &[u8], window: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let span = window.min(b.len()).max(1);
    for _ in 0..=g.below(3) {
        if b.is_empty() {
            break;
        }
        let i = g.below(span.min(b.len()));
        match g.below(5) {
            0 => b[i] ^= 1 << g.below(8),
            1 => b[i] = g.pick(b"0123456789-.e,:{}[]\"x ".as_slice()),
            2 => b.truncate(i),
            3 => {
                b.remove(i);
            }
            _ => {
                let j = (i + g.below(16)).min(b.len());
                let dup = b[i..j].to_vec();
                b.splice(i..i, dup);
            }
        }
    }
    b
}
