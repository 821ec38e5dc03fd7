// Mean squared error between [batch, classes] outputs (10 for MNIST; the row length is
// arrayLength(y) / batch) and one-hot targets, fused with its gradient and the step's metrics.
// Mirrors src/cpu/loss.rs `mse_one_hot` (PyTorch MSELoss 'mean' over all batch*classes
// elements): loss = mean (y - t)^2, dy = 2 (y - t) / (batch * classes).
// Metrics go to the ring exactly as in loss_softmax_cross_entropy.wgsl.
// Bindings: 0 y (read), 1 labels (read, u32), 2 dy (write), 3 metrics ring (u32, rw), 4 step uniform.
// Layout:   a single workgroup of 256; invocation t handles rows t, t+256, ...; then a tree sum.
// Dispatch: (1, 1, 1).

@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> metrics: array<u32>;
@group(0) @binding(4) var<uniform> step: Step;

var<workgroup> loss_part: array<f32, 256>;
var<workgroup> correct_part: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
    let batch = arrayLength(&labels);
    let classes = arrayLength(&y) / batch;
    let n = f32(batch * classes);
    var loss = 0.0;
    var correct = 0u;
    for (var b = lid.x; b < batch; b += 256u) {
        let base = b * classes;
        let label = labels[b];
        var best = 0u;
        var mx = y[base];
        for (var i = 1u; i < classes; i++) {
            if (y[base + i] > mx) {
                mx = y[base + i];
                best = i;
            }
        }
        if (best == label) {
            correct += 1u;
        }
        for (var i = 0u; i < classes; i++) {
            let diff = y[base + i] - select(0.0, 1.0, i == label);
            loss += diff * diff;
            dy[base + i] = 2.0 * diff / n;
        }
    }
    loss_part[lid.x] = loss;
    correct_part[lid.x] = correct;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride >>= 1u) {
        if (lid.x < stride) {
            loss_part[lid.x] += loss_part[lid.x + stride];
            correct_part[lid.x] += correct_part[lid.x + stride];
        }
        workgroupBarrier();
    }
    if (lid.x == 0u) {
        metrics[2u * step.slot] = bitcast<u32>(loss_part[0] / n);
        metrics[2u * step.slot + 1u] = correct_part[0];
    }
}
