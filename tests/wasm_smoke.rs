//! Browser smoke test: wgpu, compiled to wasm32, gets a real WebGPU adapter in Chromium and runs
//! a WGSL kernel whose results match ndarray.
//!
//! Run with `wasm-pack test --headless --chrome` (scripts/test.sh does, with the flags in
//! webdriver.json). Native `cargo test` compiles this file to nothing: everything is wasm32-only.
//!
//! A missing adapter FAILS the test: CI always has one (SwiftShader behind
//! `--enable-unsafe-webgpu`). Only a local build with `GARDEN_ALLOW_NO_GPU=1` set at compile time
//! turns that into a loud SKIP.
#![cfg(target_arch = "wasm32")]

use ndarray::Array2;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use wgpu::util::DeviceExt;

wasm_bindgen_test_configure!(run_in_browser);

const SMOKE_MATMUL_WGSL: &str = include_str!("../shaders/smoke_matmul.wgsl");
/// Matches `@workgroup_size(8, 8, 1)` in the shader.
const TILE: u32 = 8;

/// The adapter, device and queue, or `None` when there is no adapter and the local skip flag is
/// set. Panics (fails the test) when there is no adapter otherwise.
async fn gpu() -> Option<(wgpu::Adapter, wgpu::Device, wgpu::Queue)> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::BROWSER_WEBGPU,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = match instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        })
        .await
    {
        Ok(adapter) => adapter,
        Err(e) if option_env!("GARDEN_ALLOW_NO_GPU").is_some() => {
            console_log!("SKIP: no WebGPU adapter ({e}); GARDEN_ALLOW_NO_GPU was set at build time");
            return None;
        }
        Err(e) => panic!(
            "no WebGPU adapter in this browser ({e}). Chromium exposes one only with \
             --enable-unsafe-webgpu (see webdriver.json). Set GARDEN_ALLOW_NO_GPU=1 to skip locally."
        ),
    };
    let (device, queue) = adapter
        .request_device(&wgpu::DeviceDescriptor {
            label: Some("smoke"),
            required_limits: wgpu::Limits::downlevel_defaults(),
            ..Default::default()
        })
        .await
        .expect("the adapter refused a device with downlevel limits");
    Some((adapter, device, queue))
}

/// Deterministic values in [-1, 1): a 32-bit LCG, so the test needs no RNG crate.
fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// `a [m, k] @ b [k, n]` on the GPU with shaders/smoke_matmul.wgsl, read back asynchronously
/// (the browser cannot block on a map, so the callback feeds a oneshot channel).
async fn gpu_matmul(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    a: &[f32],
    b: &[f32],
    (m, k, n): (u32, u32, u32),
) -> Vec<f32> {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("smoke_matmul.wgsl"),
        source: wgpu::ShaderSource::Wgsl(SMOKE_MATMUL_WGSL.into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("smoke_matmul"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    });
    let storage = |label, data: &[f32]| {
        device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(data),
            usage: wgpu::BufferUsages::STORAGE,
        })
    };
    let dims = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("dims"),
        contents: bytemuck::cast_slice(&[m, k, n, 0u32]),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let a_buf = storage("a", a);
    let b_buf = storage("b", b);
    let c_bytes = u64::from(m * n) * 4;
    let c_buf = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("c"),
        size: c_bytes,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    let readback = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size: c_bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("smoke_matmul"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: dims.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: a_buf.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: b_buf.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 3,
                resource: c_buf.as_entire_binding(),
            },
        ],
    });

    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("smoke_matmul"),
    });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("smoke_matmul"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(n.div_ceil(TILE), m.div_ceil(TILE), 1);
    }
    encoder.copy_buffer_to_buffer(&c_buf, 0, &readback, 0, c_bytes);
    queue.submit([encoder.finish()]);

    let (tx, rx) = futures_channel::oneshot::channel();
    readback.map_async(wgpu::MapMode::Read, .., move |result| {
        let _ = tx.send(result);
    });
    rx.await
        .expect("map_async callback dropped")
        .expect("mapping the readback buffer failed");
    let out =
        bytemuck::cast_slice::<u8, f32>(&readback.get_mapped_range(..).expect("mapped range"))
            .to_vec();
    readback.unmap();
    out
}

/// Compare element-wise with `|x - y| <= atol + rtol * |y|`; on failure report the max difference
/// and the first mismatching indices (llm.c's validate_result).
fn assert_close(got: &[f32], want: &[f32], rtol: f32, atol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let mut max_diff = 0.0f32;
    let mut bad = Vec::new();
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let diff = (g - w).abs();
        max_diff = max_diff.max(diff);
        if !(diff <= atol + rtol * w.abs()) {
            bad.push(format!("[{i}] gpu {g} cpu {w}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{what}: {} of {} values differ (max |diff| {max_diff}); first: {}",
        bad.len(),
        got.len(),
        bad.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
    );
}

#[wasm_bindgen_test]
async fn webgpu_adapter_is_available() {
    let Some((adapter, device, _queue)) = gpu().await else {
        return;
    };
    let info = adapter.get_info();
    console_log!(
        "WebGPU adapter: name {:?}, vendor {:?}, backend {:?}, type {:?}",
        info.name,
        info.vendor,
        info.backend,
        info.device_type
    );
    assert_eq!(info.backend, wgpu::Backend::BrowserWebGpu);
    // The training kernels bind up to 8 storage buffers per stage (WebGPU's default limit).
    assert!(device.limits().max_storage_buffers_per_shader_stage >= 8);
}

#[wasm_bindgen_test]
async fn wgsl_matmul_matches_ndarray() {
    let Some((_adapter, device, queue)) = gpu().await else {
        return;
    };
    // Odd shapes on purpose: 1x1, and sizes that are not multiples of the 8x8 workgroup.
    for (seed, (m, k, n)) in [(1, 1, 1), (7, 3, 5), (33, 17, 29), (8, 784, 128)]
        .into_iter()
        .enumerate()
    {
        let a = pseudo_random((m * k) as usize, seed as u32 * 2);
        let b = pseudo_random((k * n) as usize, seed as u32 * 2 + 1);
        let got = gpu_matmul(&device, &queue, &a, &b, (m, k, n)).await;

        let a_nd = Array2::from_shape_vec((m as usize, k as usize), a).unwrap();
        let b_nd = Array2::from_shape_vec((k as usize, n as usize), b).unwrap();
        let want: Vec<f32> = a_nd.dot(&b_nd).iter().copied().collect();
        assert_close(
            &got,
            &want,
            5e-3,
            1e-5,
            &format!("matmul {m}x{k} @ {k}x{n}"),
        );
        console_log!("matmul {m}x{k} @ {k}x{n}: GPU matches ndarray");
    }
}
