// Mean squared error between [batch, outputs] outputs and target values (the plane's regression),
// fused with its gradient and the step's metrics. Mirrors src/cpu/loss.rs `mse_values` (PyTorch
// MSELoss 'mean' over every output): loss = mean (y - t)^2, dy = 2 (y - t) / len(y). A value has
// no class, so the correct count is 0. Metrics go to the ring as in loss_softmax_cross_entropy.wgsl.
// Bindings: 0 y (read), 1 targets (read, f32, same length as y), 2 dy (write),
//           3 metrics ring (u32, rw), 4 step uniform (slot).
// Layout:   a single workgroup of 256; invocation t handles elements t, t+256, ...; a tree sum.
// Dispatch: (1, 1, 1).

@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<f32>;
@group(0) @binding(2) var<storage, read_write> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> metrics: array<u32>;
@group(0) @binding(4) var<uniform> step: Step;

var<workgroup> loss_part: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
    let len = arrayLength(&y);
    let n = f32(len);
    var loss = 0.0;
    for (var i = lid.x; i < len; i += 256u) {
        let diff = y[i] - targets[i];
        loss += diff * diff;
        dy[i] = 2.0 * diff / n;
    }
    loss_part[lid.x] = loss;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride >>= 1u) {
        if (lid.x < stride) {
            loss_part[lid.x] += loss_part[lid.x + stride];
        }
        workgroupBarrier();
    }
    if (lid.x == 0u) {
        metrics[2u * step.slot] = bitcast<u32>(loss_part[0] / n);
        metrics[2u * step.slot + 1u] = 0u;
    }
}
