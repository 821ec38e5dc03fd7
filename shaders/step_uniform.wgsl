// The per-step uniform, written by `step_words` (src/gpu/mod.rs: 16 words, these 13 then padding)
// with queue.write_buffer before every training step, so the learning rate and every knob can
// change between any two steps. The field order here and there must match.
// Prepended (as text) to the kernels that need it; each binds it at the binding number it chooses.
struct Step {
    lr: f32,
    momentum: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
    // Adam's lr / (1 - beta1^t) and sqrt(1 - beta2^t), step t counted on the host (in f64 there,
    // as PyTorch and src/cpu/optimizer.rs compute them).
    step_size: f32,
    bias_correction2_sqrt: f32,
    // 0 sgd, 1 momentum, 2 adam.
    kind: u32,
    // Dropout seed of this step.
    seed: u32,
    // Slot of this step in the metrics ring.
    slot: u32,
    // 1 when the batch carries per-sample affine transforms.
    has_transforms: u32,
    // L1 penalty rate (shaders/l1_penalty_gradient.wgsl); 0 is off.
    l1: f32,
}
