//! Training throughput of the CPU reference backend: `cargo run --release --example cpu_bench`.
//! Prints samples/s for the mlp preset (batch 128) and the cnn preset (batch 64) with Adam.
use gradient_garden::backend::{Backend, TrainBatch};
use gradient_garden::cpu::CpuBackend;
use gradient_garden::data::batches::BatchPlan;
use gradient_garden::data::mnist::Mnist;
use gradient_garden::init::init_params;
use gradient_garden::optim::OptimizerConfig;
use gradient_garden::spec::ModelSpec;
use std::time::Instant;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    let data = Mnist::load_dir(&dir, "train10k").expect("www/data/train10k");
    for (name, batch, steps) in [("mlp", 128, 300), ("cnn", 64, 60)] {
        let spec = ModelSpec::preset(name).unwrap();
        let params = init_params(&spec, 1).unwrap();
        let mut backend = CpuBackend::new(&spec, &params, batch).unwrap();
        backend
            .upload_train_set(&data.images, &data.labels)
            .unwrap();
        let mut plan = BatchPlan::new(data.len(), batch, true, 1);
        let opt = OptimizerConfig::default();
        let mut run = |steps: usize| {
            for step in 0..steps {
                let b = TrainBatch {
                    indices: plan.next_batch(),
                    transforms: &[],
                    seed: step as u32,
                };
                backend.train_step(&b, &opt).unwrap();
            }
        };
        run(5); // warm-up
        let start = Instant::now();
        run(steps);
        let secs = start.elapsed().as_secs_f64();
        let loss = pollster::block_on(backend.take_metrics())
            .unwrap()
            .last()
            .unwrap()
            .loss;
        println!(
            "{name}: batch {batch}, {steps} steps in {secs:.2} s = {:.0} samples/s (last loss {loss:.3})",
            (steps * batch) as f64 / secs
        );
    }
}
