// The L1 penalty's gradient added to the loss gradient before the optimizer update:
//   g[i] += l1 * sign(w[i])            (sign(0) = 0, as torch.sign)
// the GPU twin of `l1_penalty_gradient` in src/cpu/optimizer.rs. Every parameter at once (the
// flat buffer; padding has w = 0 and stays untouched). With l1 = 0 it writes nothing, so it can
// stay in every step's command list while the rate changes between steps.
// Bindings: 0 w (read), 1 g (rw), 2 step uniform (`l1`).
// Dispatch: ceil(len / 256) workgroups of 256 as a 2-D grid (index = gid.x + gid.y * nwg.x * 256).

@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read_write> g: array<f32>;
@group(0) @binding(2) var<uniform> step: Step;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= arrayLength(&g) || step.l1 == 0.0) {
        return;
    }
    g[i] = g[i] + step.l1 * sign(w[i]);
}
