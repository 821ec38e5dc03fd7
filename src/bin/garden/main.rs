//! `garden`: the native command-line tool on the same engine as the page. The commands and their
//! options are defined once, in `cli.rs`: `garden help` and `garden COMMAND --help` print them.
//!
//! Every command prints JSON lines on stdout; errors go to stderr with exit code 1.
// Native only (files, pollster). On wasm32 the whole bin compiles to nothing, because
// `wasm-pack test` (cargo build --tests for wasm32) builds every bin too.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]
mod bench;
mod cli;
mod labs;
mod plane;
mod train;

use clap::Parser;
use cli::{Cli, Command, DataArg};
use gradient_garden::data::mnist::Mnist;
use std::path::PathBuf;

fn main() {
    // A command line that does not parse exits 2 with clap's message and the usage.
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(args) => train::train(args),
        Command::Eval(args) => train::eval(args),
        Command::Bench(args) => bench::bench(args),
        Command::Scaling(args) => labs::scaling(args),
        Command::Compress(args) => labs::compress(args),
        Command::Export(args) => train::export(args),
        Command::Plane(args) => plane::plane(args),
    };
    if let Err(message) = result {
        eprintln!("garden: {message}");
        std::process::exit(1);
    }
}

/// The set `prefix` from `--data DIR`, else from the copy the page ships in `www/data`;
/// `--dataset fashion` reads the `fashion` folder under it.
pub fn load(data: &DataArg, prefix: &str) -> Result<Mnist, String> {
    let mut dir = data
        .data
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www/data"));
    if data.dataset == cli::DatasetName::Fashion {
        dir = dir.join("fashion");
    }
    Mnist::load_dir(&dir, prefix).map_err(|e| e.to_string())
}

pub fn json(value: serde_json::Value) {
    println!("{value}");
}

/// A file's bytes; the error names the file.
pub fn read(path: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}
