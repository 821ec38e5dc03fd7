//! Datasets: MNIST in IDX format (optionally gzip), and the batch plans the trainer draws from it.
pub mod batches;
pub mod mnist;
