//! The command line, defined once: clap parses it from these types and prints their doc comments
//! as `garden help` / `garden COMMAND --help`.
use clap::{Args, Parser, Subcommand, ValueEnum};
use gradient_garden::engine::BackendChoice;
use gradient_garden::labs::prune::PruneScope;
use gradient_garden::optim::OptimizerKind;
use std::path::PathBuf;

/// Train, evaluate and benchmark MLPs and CNNs on MNIST with the engine the page runs (CPU
/// reference or WebGPU through wgpu). Every command prints JSON lines on stdout; errors go to
/// stderr with exit code 1 (2 for a command line that does not parse).
#[derive(Parser)]
#[command(name = "garden", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Train a model and report the t10k accuracy after each epoch and at the end.
    Train(TrainArgs),
    /// Evaluate a `.safetensors` file on t10k.
    Eval(EvalArgs),
    /// Training samples/s and one-image latency per backend and model, beside a large matmul's
    /// GFLOP/s.
    Bench(BenchArgs),
    /// The scaling lab: a width or data-size sweep and its power-law fit.
    Scaling(ScalingArgs),
    /// The compression lab: t10k accuracy against bytes for int8 and magnitude pruning.
    Compress(CompressArgs),
    /// Write a `.safetensors` model as ONNX (opset 13; input [N,784] or [N,1,28,28] in [0, 1],
    /// output the ten logits).
    Export(ExportArgs),
    /// The plane page's 2-D lessons: train a small net on generated points (circle, XOR, spiral,
    /// regression...) and report the train and test loss and accuracy.
    Plane(crate::plane::PlaneArgs),
}

#[derive(Args)]
pub struct DataArg {
    /// The MNIST folder (IDX files, gzip or raw) [default: the page's www/data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Which data: mnist (the 60,000 training digits), mnist10k (the 10,000 of train10k, a fast
    /// start) or fashion (Fashion-MNIST, from the `fashion` folder under the data folder)
    #[arg(long, value_enum, default_value_t = DatasetName::Mnist)]
    pub dataset: DatasetName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DatasetName {
    Mnist,
    Mnist10k,
    Fashion,
}

impl DataArg {
    /// The file prefix of the training set (`train` or `train10k`); the test set is `t10k`.
    pub fn train_prefix(&self) -> &'static str {
        match self.dataset {
            DatasetName::Mnist10k => "train10k",
            DatasetName::Mnist | DatasetName::Fashion => "train",
        }
    }
}

fn backend(name: &str) -> Result<BackendChoice, String> {
    BackendChoice::parse(name).map_err(|e| e.to_string())
}

fn optimizer(name: &str) -> Result<OptimizerKind, String> {
    OptimizerKind::parse(name).map_err(|e| e.to_string())
}

fn scope(name: &str) -> Result<PruneScope, String> {
    PruneScope::parse(name).map_err(|e| e.to_string())
}

#[derive(Args)]
pub struct TrainArgs {
    /// A preset (mlp, cnn) or a spec file (SPEC.json) [default: mlp, or the --init file's spec]
    #[arg(long, value_name = "mlp|cnn|SPEC.json")]
    pub model: Option<String>,
    #[arg(long, value_name = "cpu|gpu|auto", default_value = "cpu", value_parser = backend)]
    pub backend: BackendChoice,
    #[arg(long, value_name = "E", default_value_t = 1)]
    pub epochs: u64,
    /// Train this many steps (overrides --epochs)
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    #[arg(long, value_name = "B", default_value_t = 64)]
    pub batch: usize,
    #[arg(long, value_name = "X", default_value_t = 1e-3)]
    pub lr: f32,
    #[arg(long, value_name = "adam|sgd|momentum", default_value = "adam", value_parser = optimizer)]
    pub optimizer: OptimizerKind,
    #[arg(long, value_name = "M", default_value_t = 0.9)]
    pub momentum: f32,
    /// Learning-rate schedule over --lr, as JSON: {"kind":"cosine","steps":2000} (kinds: constant,
    /// step {every, gamma}, cosine {steps, floor}, warmup_cosine {warmup, steps, floor}, onecycle
    /// {steps, rise, div, final_div})
    #[arg(long, value_name = "JSON")]
    pub schedule: Option<String>,
    /// PyTorch's L2 weight decay (`g += wd * w`)
    #[arg(long, value_name = "L2", default_value_t = 0.0)]
    pub weight_decay: f32,
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Start from these weights; with --model, any file holding that net's state_dict (e.g. saved
    /// by PyTorch); without it the spec comes from the file's metadata or, for a bare state dict,
    /// is inferred from its tensors (an nn.Sequential of Linear/Conv2d; the assumptions are printed)
    #[arg(long, value_name = "FILE.safetensors")]
    pub init: Option<PathBuf>,
    /// Batches in file order, no augmentation and no dropout (step-for-step comparisons)
    #[arg(long)]
    pub no_shuffle: bool,
    /// Print the loss of every K-th step
    #[arg(long, value_name = "K", default_value_t = 50)]
    pub log_every: u64,
    /// Write the trained weights here
    #[arg(long, value_name = "FILE.safetensors")]
    pub export: Option<PathBuf>,
    /// Augmentation: largest random shift in pixels
    #[arg(long, value_name = "PX", default_value_t = 0.0)]
    pub shift: f32,
    /// Augmentation: largest random rotation in degrees
    #[arg(long, value_name = "DEG", default_value_t = 0.0)]
    pub rotate: f32,
    /// Evaluate on the first N t10k images only
    #[arg(long, value_name = "N")]
    pub test_limit: Option<usize>,
    #[command(flatten)]
    pub data: DataArg,
}

#[derive(Args)]
pub struct EvalArgs {
    /// Our file, or a bare PyTorch state dict (the architecture is then inferred from its tensors)
    #[arg(long, value_name = "FILE.safetensors")]
    pub weights: PathBuf,
    /// The model the weights are for: a preset (mlp, cnn) or SPEC.json [default: the file's]
    #[arg(long, value_name = "mlp|cnn|SPEC.json")]
    pub model: Option<String>,
    #[arg(long, value_name = "cpu|gpu|auto", default_value = "cpu", value_parser = backend)]
    pub backend: BackendChoice,
    /// Evaluate on the first N t10k images only
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub data: DataArg,
}

#[derive(Args)]
pub struct BenchArgs {
    #[arg(long, value_name = "cpu,gpu", value_delimiter = ',', default_value = "cpu,gpu", value_parser = backend)]
    pub backends: Vec<BackendChoice>,
    #[arg(
        long,
        value_name = "mlp,cnn",
        value_delimiter = ',',
        default_value = "mlp,cnn"
    )]
    pub models: Vec<String>,
    /// Timed steps per model [default: 50 for the MLP, 10 for the CNN]
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    /// Side of the square matmul measured for GFLOP/s
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub matmul: usize,
    #[command(flatten)]
    pub data: DataArg,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AxisArg {
    Width,
    Data,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FamilyArg {
    Mlp,
    Cnn,
}

/// Options left out take the lab's defaults (`SweepConfig::default()`).
#[derive(Args)]
pub struct ScalingArgs {
    #[arg(long, value_enum, default_value = "width")]
    pub axis: AxisArg,
    #[arg(long, value_name = "cpu|gpu|auto", default_value = "cpu", value_parser = backend)]
    pub backend: BackendChoice,
    /// Training steps per point
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    #[arg(long, value_enum, default_value = "mlp")]
    pub family: FamilyArg,
    /// Hidden widths of a width sweep
    #[arg(long, value_name = "8,16,...", value_delimiter = ',')]
    pub widths: Option<Vec<usize>>,
    /// Fractions of the training set of a data sweep
    #[arg(long, value_name = "0.1,0.2,...", value_delimiter = ',')]
    pub fractions: Option<Vec<f64>>,
    /// The hidden width of a data sweep
    #[arg(long, value_name = "W")]
    pub width: Option<usize>,
    #[arg(long, value_name = "B")]
    pub batch: Option<usize>,
    #[arg(long, value_name = "X")]
    pub lr: Option<f32>,
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Validation images evaluated per point
    #[arg(long, value_name = "N")]
    pub val_limit: Option<usize>,
    #[command(flatten)]
    pub data: DataArg,
}

#[derive(Args)]
pub struct CompressArgs {
    /// A float `.safetensors` file
    #[arg(long, value_name = "FILE")]
    pub weights: PathBuf,
    #[arg(
        long,
        value_name = "0.5,0.9,...",
        value_delimiter = ',',
        default_value = "0.5,0.75,0.9,0.95"
    )]
    pub sparsities: Vec<f32>,
    #[arg(long, value_name = "global|per_tensor", default_value = "global", value_parser = scope)]
    pub scope: PruneScope,
    /// Evaluate on the first N t10k images only
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Write the int8 model here
    #[arg(long, value_name = "FILE")]
    pub export_int8: Option<PathBuf>,
    /// Write the weights pruned to --sparsity here
    #[arg(long, value_name = "FILE", requires = "sparsity")]
    pub export_pruned: Option<PathBuf>,
    #[arg(long, value_name = "S")]
    pub sparsity: Option<f32>,
    #[command(flatten)]
    pub data: DataArg,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Our file, or a bare PyTorch state dict (the architecture is then inferred from its tensors)
    #[arg(long, value_name = "FILE.safetensors")]
    pub weights: PathBuf,
    /// The model the weights are for: a preset (mlp, cnn) or SPEC.json [default: the file's]
    #[arg(long, value_name = "mlp|cnn|SPEC.json")]
    pub model: Option<String>,
    /// Where to write the ONNX model
    #[arg(long, value_name = "OUT.onnx")]
    pub onnx: PathBuf,
}
