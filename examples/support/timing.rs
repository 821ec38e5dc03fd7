//! The harness the step profiles share (`cnn_phases.rs`, `mlp_phases.rs`): the clock, the
//! fastest-round timer, synthetic inputs and the report table. Included by path, like the phases
//! files, as the crate's `timing` module: natively by `examples/cnn_profile.rs` and
//! `examples/mlp_profile.rs`, in Chromium by `tests/wasm_cnn_bench.rs` and
//! `tests/wasm_mlp_bench.rs` (and by `tests/wasm_gemm_bench.rs` for its clock alone).
use std::fmt::Write;

/// How to read the clock (ms) and how many rounds to time each phase over.
pub struct Clock {
    pub now_ms: fn() -> f64,
    pub rounds: usize,
}

/// ms since the first call, on the native monotonic clock.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

/// `performance.now()` in ms, found through the global object so that it works in a window and
/// in a worker without extra web-sys features.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    use wasm_bindgen::{JsCast, JsValue};
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).unwrap();
    let now: js_sys::Function = js_sys::Reflect::get(&perf, &JsValue::from_str("now"))
        .unwrap()
        .unchecked_into();
    now.call0(&perf).unwrap().as_f64().unwrap()
}

/// The native profiles' clock: the fastest of 15 rounds, or of as many as the environment
/// variable `rounds_var` (`CNN_PROFILE_ROUNDS`, `MLP_PROFILE_ROUNDS`) says.
#[cfg(not(target_arch = "wasm32"))]
pub fn clock_from_env(rounds_var: &str) -> Clock {
    let rounds = std::env::var(rounds_var)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(15);
    Clock { now_ms, rounds }
}

/// A profile's report in Chromium, at 15 rounds and headed by the wasm build it ran on. A first
/// pass at few rounds lets V8 swap its baseline code (Liftoff) for the optimised one (TurboFan)
/// before the pass that is reported.
#[cfg(target_arch = "wasm32")]
pub fn browser_report(report: fn(&Clock) -> String) -> String {
    report(&Clock { now_ms, rounds: 2 });
    let build = if cfg!(target_feature = "relaxed-simd") {
        "relaxed-simd"
    } else {
        "simd128"
    };
    format!("{build} build\n{}", report(&Clock { now_ms, rounds: 15 }))
}

/// Deterministic inputs in [-0.5, 0.5]: a phase's speed does not depend on its values, only on
/// their staying normal floats.
pub fn values(len: usize, seed: f32) -> Vec<f32> {
    (0..len)
        .map(|i| (i as f32 * 0.37 + seed).sin() * 0.5)
        .collect()
}

/// Fastest ms of `f` over `clock.rounds` rounds (after one warm-up): on a machine shared with
/// other programs the fastest round is the one least disturbed by them, so it varies least. A
/// round repeats `f` until it lasts about `round_ms` and counts the mean of its repeats: 1 ms
/// lifts phases of a few us well above the browser's clock tick (5 us or coarser); with 0 a
/// round runs `f` once.
pub fn fastest_ms(clock: &Clock, round_ms: f64, mut f: impl FnMut()) -> f64 {
    let t = (clock.now_ms)();
    f();
    let once = ((clock.now_ms)() - t).max(0.001);
    let reps = (round_ms / once).ceil().clamp(1.0, 1000.0) as usize;
    (0..clock.rounds.max(1))
        .map(|_| {
            let t = (clock.now_ms)();
            for _ in 0..reps {
                f();
            }
            ((clock.now_ms)() - t) / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// How a profile's report writes its markdown table: a title line naming the step, its batch,
/// the kernel and the rounds, then one row per phase with its ms and its share of the whole.
pub struct Table {
    /// "CNN", "MLP".
    pub step: &'static str,
    pub batch: usize,
    /// The share column's header.
    pub share_header: &'static str,
    /// Decimal places of the ms column.
    pub decimals: usize,
}

impl Table {
    /// The title, the header and `rows`, each row's share of `whole_ms`.
    pub fn write(&self, out: &mut String, rounds: usize, rows: &[(&str, f64)], whole_ms: f64) {
        writeln!(
            out,
            "{} step profile, batch {}, kernel {}, fastest of {rounds} rounds",
            self.step,
            self.batch,
            gradient_garden::cpu::gemm::kernel_name(),
        )
        .unwrap();
        writeln!(out, "| phase | ms | {} |", self.share_header).unwrap();
        writeln!(out, "| --- | ---: | ---: |").unwrap();
        for &(name, ms) in rows {
            self.write_row(out, name, ms, whole_ms);
        }
    }

    /// One more row (a sum, a difference) below the phases.
    pub fn write_row(&self, out: &mut String, name: &str, ms: f64, whole_ms: f64) {
        let decimals = self.decimals;
        writeln!(
            out,
            "| {name} | {ms:.decimals$} | {:.0}% |",
            100.0 * ms / whole_ms
        )
        .unwrap();
    }
}
