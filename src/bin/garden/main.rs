//! `garden`: the native command-line tool on the same engine as the page.
//!
//!     garden train --model mlp|cnn|SPEC.json --backend cpu|gpu --epochs E [--steps N] --batch B
//!                  --lr X --optimizer adam|sgd|momentum --seed S [--init FILE.safetensors]
//!                  [--no-shuffle] [--log-every K] [--export FILE.safetensors]
//!     garden eval  --weights FILE.safetensors [--backend cpu|gpu] [--limit N]
//!     garden bench [--backends cpu,gpu] [--models mlp,cnn] [--steps N]
//!     garden scaling --axis width|data --backend cpu|gpu|auto --steps N [--family mlp|cnn]
//!                  [--widths 8,16,..] [--fractions 0.1,0.2,..]
//!     garden compress --weights FILE [--sparsities 0.5,0.9] [--scope global|per_tensor]
//!                  [--export-int8 FILE] [--export-pruned FILE --sparsity S]
//!
//! Every command prints JSON lines on stdout; errors go to stderr with exit code 1.
// Native only (files, pollster). On wasm32 the whole bin compiles to nothing, because
// `wasm-pack test` (cargo build --tests for wasm32) builds every bin too.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]
mod args;
mod bench;
mod labs;
mod train;

use args::Args;
use gradient_garden::data::mnist::Mnist;
use std::path::PathBuf;

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = argv.first() else {
        eprintln!("{}", usage());
        std::process::exit(2);
    };
    let rest = &argv[1..];
    let result = match command.as_str() {
        "train" => Args::parse(rest, &["no-shuffle"]).and_then(|a| train::train(&a)),
        "eval" => Args::parse(rest, &[]).and_then(|a| train::eval(&a)),
        "bench" => Args::parse(rest, &[]).and_then(|a| bench::bench(&a)),
        "scaling" => Args::parse(rest, &[]).and_then(|a| labs::scaling(&a)),
        "compress" => Args::parse(rest, &[]).and_then(|a| labs::compress(&a)),
        "help" | "--help" | "-h" => {
            println!("{}", usage());
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n{}", usage())),
    };
    if let Err(message) = result {
        eprintln!("garden: {message}");
        std::process::exit(1);
    }
}

fn usage() -> &'static str {
    "usage: garden train|eval|bench [options]   (see the README, section 'Command-line tool')"
}

/// The MNIST folder: `--data DIR`, else the copy the page ships in `www/data`.
pub fn data_dir(args: &Args) -> PathBuf {
    match args.str("data") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www/data"),
    }
}

pub fn load(args: &Args, prefix: &str) -> Result<Mnist, String> {
    Mnist::load_dir(&data_dir(args), prefix).map_err(|e| e.to_string())
}

pub fn json(value: serde_json::Value) {
    println!("{value}");
}
