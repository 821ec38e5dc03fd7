// Softmax cross-entropy on [batch, classes] logits (10 for MNIST, 2-4 on the plane; the row length
// is arrayLength(logits) / batch) fused with its gradient and the step's metrics.
// Mirrors src/cpu/loss.rs `softmax_cross_entropy`:
//   loss = mean_b (logsumexp(z_b) - z_b[label_b]),  dlogits = (softmax(z) - onehot(label)) / batch,
//   correct = #rows whose first argmax equals the label.
// The batch-mean loss (f32 bits) and correct count go to metrics[2*slot], metrics[2*slot+1]: a GPU
// ring of step metrics read back only when the host asks (no readback on the training hot path).
// Bindings: 0 logits (read), 1 labels (read, u32), 2 dlogits (write), 3 metrics ring (u32, rw),
//           4 step uniform (slot).
// Layout:   a single workgroup of 256; invocation t handles rows t, t+256, ...; then a tree sum.
// Dispatch: (1, 1, 1).

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(3) var<storage, read_write> metrics: array<u32>;
@group(0) @binding(4) var<uniform> step: Step;

var<workgroup> loss_part: array<f32, 256>;
var<workgroup> correct_part: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
    let batch = arrayLength(&labels);
    let inv_batch = 1.0 / f32(batch);
    let classes = arrayLength(&logits) / batch;
    var loss = 0.0;
    var correct = 0u;
    for (var b = lid.x; b < batch; b += 256u) {
        let base = b * classes;
        let label = labels[b];
        var best = 0u;
        var mx = logits[base];
        for (var i = 1u; i < classes; i++) {
            let v = logits[base + i];
            if (v > mx) {
                mx = v;
                best = i;
            }
        }
        if (best == label) {
            correct += 1u;
        }
        var sum = 0.0;
        for (var i = 0u; i < classes; i++) {
            sum += exp(logits[base + i] - mx);
        }
        loss += log(sum) + mx - logits[base + label];
        for (var i = 0u; i < classes; i++) {
            let prob = exp(logits[base + i] - mx) / sum;
            dlogits[base + i] = (prob - select(0.0, 1.0, i == label)) * inv_batch;
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
        metrics[2u * step.slot] = bitcast<u32>(loss_part[0] / f32(batch));
        metrics[2u * step.slot + 1u] = correct_part[0];
    }
}
