//! Divergence that is not a NaN, on both backends: Adam at learning rate 50 sends the MLP's loss
//! from 2.3 to tens and keeps it there, all finite. The trainer must stop it (`Error::Diverged`),
//! roll the weights back to ones that were fine, and say what to try; a noisy but healthy run
//! (batch 8 at a high but sane SGD rate, single losses up to ~6) must never trip it.
// Native only: `wasm-pack test` compiles every test target for wasm32, where this one has no place.
#![cfg(not(target_arch = "wasm32"))]
mod gpu_support;

use gpu_support::{mnist, or_skip};
use gradient_garden::engine::Engine;
use gradient_garden::cpu::CpuBackend;
use gradient_garden::data::mnist::Mnist;
use gradient_garden::error::{Error, Result};
use gradient_garden::gpu::GpuBackend;
use gradient_garden::init::init_params;
use gradient_garden::optim::{OptimizerConfig, OptimizerKind};
use gradient_garden::spec::ModelSpec;
use gradient_garden::trainer::{Trainer, TrainerConfig};
use pollster::block_on;

fn config(kind: OptimizerKind, lr: f32, batch: usize) -> TrainerConfig {
    TrainerConfig {
        batch,
        optimizer: OptimizerConfig { kind, lr, ..OptimizerConfig::default() },
        validation: 0.1,
        ..TrainerConfig::default()
    }
}

/// A trainer on the MLP preset, on the CPU or (when `gpu`) the WebGPU backend; `None` on a
/// permitted GPU skip.
fn trainer(gpu: bool, cfg: TrainerConfig, data: &Mnist) -> Option<Trainer> {
    let spec = ModelSpec::mlp();
    let params = init_params(&spec, 3).unwrap();
    let engine = if gpu {
        Engine::Gpu(Box::new(or_skip(block_on(GpuBackend::new(&spec, &params, cfg.batch)))?))
    } else {
        Engine::Cpu(Box::new(CpuBackend::new(&spec, &params, cfg.batch).unwrap()))
    };
    let mut t = Trainer::new(engine, spec, cfg, data).unwrap();
    t.set_rollback_point(params);
    Some(t)
}

/// Train up to `steps`, polling every 10 as the page does; the first error ends the run.
fn run(t: &mut Trainer, steps: usize) -> (usize, Result<()>) {
    for done in (0..steps).step_by(10) {
        for _ in 0..10 {
            t.step().unwrap();
        }
        if let Err(e) = block_on(t.poll()) {
            return (done + 10, Err(e));
        }
    }
    (steps, Ok(()))
}

fn diverges_and_rolls_back(gpu: bool) {
    let data = mnist().take(2000);
    let Some(mut t) = trainer(gpu, config(OptimizerKind::Adam, 50.0, 32), &data) else { return };
    let (steps, result) = run(&mut t, 400);
    let Err(Error::Diverged(why)) = result else { panic!("not caught in {steps} steps: {result:?}") };
    assert!(why.contains("rolled back") && why.contains("learning rate"), "{why}");
    // The weights in place are the starting ones again: validation loss near ln 10, not tens.
    let validation = t.validation.clone();
    let eval = block_on(t.evaluate(&validation, 200)).unwrap();
    assert!(eval.loss < 3.0, "loss {} after the rollback", eval.loss);
    eprintln!("gpu={gpu}: caught after {steps} steps: {why}");
}

fn noisy_healthy_run_is_left_alone(gpu: bool) {
    let data = mnist().take(2000);
    let Some(mut t) = trainer(gpu, config(OptimizerKind::Sgd, 0.5, 8), &data) else { return };
    let (steps, result) = run(&mut t, 600);
    result.unwrap_or_else(|e| panic!("a healthy run was stopped at step {steps}: {e}"));
    let losses: Vec<f32> = t.history().iter().map(|r| r.loss).collect();
    let late = losses[losses.len() - 100..].iter().sum::<f32>() / 100.0;
    let spike = losses.iter().cloned().fold(0.0, f32::max);
    eprintln!("gpu={gpu}: mean of the last 100 losses {late}, highest single loss {spike}");
    assert!(late < 1.0, "it learned: {late}");
    // Single batches went above the limit (2 x 2.3): only a sustained rise may stop a run.
    assert!(spike > 4.6, "and it was noisy: highest loss {spike}");
}

#[test]
fn cpu_divergence_is_caught_and_rolled_back() {
    diverges_and_rolls_back(false);
}

#[test]
fn gpu_divergence_is_caught_and_rolled_back() {
    diverges_and_rolls_back(true);
}

#[test]
fn cpu_noisy_but_healthy_run_is_not_stopped() {
    noisy_healthy_run_is_left_alone(false);
}

#[test]
fn gpu_noisy_but_healthy_run_is_not_stopped() {
    noisy_healthy_run_is_left_alone(true);
}
