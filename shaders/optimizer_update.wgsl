// One optimizer step over every parameter at once (all tensors live in one flat buffer; padding
// between tensors has w = g = 0 and stays 0). PyTorch semantics, mirroring src/cpu/optimizer.rs:
//   g' = g + weight_decay * w
//   sgd:      w -= lr * g'
//   momentum: v = mu * v + g';  w -= lr * v                        (state in `m`)
//   adam:     m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2
//             w -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)     (bc = 1 - beta^t, t from the host;
//             PyTorch's order: step_size, denom, addcdiv_)
// update[i] = w_after - w_before, kept for layer_stats' update norms.
// Bindings: 0 w (rw), 1 g (read), 2 m (rw), 3 v (rw), 4 update (write), 5 step uniform.
// Dispatch: ceil(len / 256) workgroups of 256 as a 2-D grid (index = gid.x + gid.y * nwg.x * 256).

@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> update: array<f32>;
@group(0) @binding(5) var<uniform> step: Step;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= arrayLength(&w)) {
        return;
    }
    let w0 = w[i];
    let gi = g[i] + step.weight_decay * w0;
    var w1: f32;
    switch step.kind {
        case 0u: {
            w1 = w0 - step.lr * gi;
        }
        case 1u: {
            let vel = step.momentum * m[i] + gi;
            m[i] = vel;
            w1 = w0 - step.lr * vel;
        }
        default: {
            let mi = step.beta1 * m[i] + (1.0 - step.beta1) * gi;
            let vi = step.beta2 * v[i] + (1.0 - step.beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            let denom = sqrt(vi) / step.bias_correction2_sqrt + step.eps;
            w1 = w0 - step.step_size * mi / denom;
        }
    }
    w[i] = w1;
    update[i] = w1 - w0;
}
