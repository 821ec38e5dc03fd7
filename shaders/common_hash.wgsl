// Dropout's keep decision, identical to `dropout_keep` / `pcg_hash` in src/backend.rs.
// Prepended (as text) to the dropout kernels by src/gpu/kernels.rs; has no bindings of its own.

// PCG-RXS-M-XS hash (Jarzynski & Olano 2020). u32 arithmetic wraps like Rust's wrapping_mul/add.
fn pcg_hash(input: u32) -> u32 {
    let state = input * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

// Top 24 bits of the hash as a float in [0, 1), compared with the drop rate.
fn dropout_keep(seed: u32, layer: u32, index: u32, rate: f32) -> bool {
    let h = pcg_hash(seed ^ pcg_hash((layer * 0x9E3779B9u) ^ index));
    return f32(h >> 8u) / 16777216.0 >= rate;
}
