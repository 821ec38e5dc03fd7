//! The device, queue and error capture shared by everything on the GPU, plus the few buffer and
//! readback helpers the backend needs. Readback is asynchronous everywhere (`map_async` + a oneshot
//! channel) because wasm cannot block; natively the device is polled to completion first.
use crate::error::{Error, Result};
use std::sync::{Arc, Mutex};
use wgpu::util::DeviceExt;

pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
    /// The first uncaptured device error (validation, out of memory...), turned into a value by
    /// [`Gpu::check`] at the next API call instead of a panic.
    error: Arc<Mutex<Option<String>>>,
}

impl Gpu {
    /// Request a high-performance adapter (natively a software one is accepted, so lavapipe is
    /// found) and a device with the adapter's own buffer-size limits, so large layers fit.
    pub async fn new() -> Result<Self> {
        // Natively WGPU_BACKEND (e.g. `vulkan`, `gl`) can pick or rule out backends.
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                apply_limit_buckets: false,
            })
            .await
            .map_err(|e| {
                Error::NoGpu(format!(
                    "no WebGPU/Vulkan adapter was found ({e}); in a browser enable WebGPU, \
                     natively install a Vulkan driver (e.g. mesa-vulkan-drivers for lavapipe)"
                ))
            })?;
        let info = adapter.get_info();
        // Ask for everything the adapter offers (buffer sizes above all), not WebGPU's defaults.
        let required_limits = adapter.limits();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("gradient-garden"),
                required_features: wgpu::Features::empty(),
                required_limits,
                experimental_features: wgpu::ExperimentalFeatures::disabled(),
                memory_hints: wgpu::MemoryHints::Performance,
                trace: wgpu::Trace::Off,
            })
            .await
            .map_err(|e| Error::Gpu(format!("could not open the device on {}: {e}", info.name)))?;
        let error = Arc::new(Mutex::new(None::<String>));
        let sink = error.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut slot = sink.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                *slot = Some(e.to_string());
            }
        }));
        let gpu = Self {
            device,
            queue,
            info,
            error,
        };
        Ok(gpu)
    }

    /// The adapter's name; browsers often withhold it, so say what is known instead.
    pub fn adapter_name(&self) -> String {
        if !self.info.name.is_empty() {
            return self.info.name.clone();
        }
        match (self.info.backend, self.is_fallback()) {
            (wgpu::Backend::BrowserWebGpu, true) => "WebGPU (software fallback adapter)".into(),
            (wgpu::Backend::BrowserWebGpu, false) => "WebGPU adapter".into(),
            (backend, _) => format!("{backend:?} adapter"),
        }
    }

    /// True for software adapters (SwiftShader in Chromium, lavapipe/llvmpipe natively).
    pub fn is_fallback(&self) -> bool {
        let name = self.info.name.to_lowercase();
        self.info.device_type == wgpu::DeviceType::Cpu
            || ["swiftshader", "llvmpipe", "lavapipe"]
                .iter()
                .any(|s| name.contains(s))
    }

    /// Turn the first device error since the last check into `Error::Gpu`.
    pub fn check(&self) -> Result<()> {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        match slot.take() {
            Some(msg) => Err(Error::Gpu(msg)),
            None => Ok(()),
        }
    }

    /// A storage buffer of `bytes` (at least 4) that can also be copied to and from.
    pub fn storage(&self, label: &str, bytes: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4).next_multiple_of(4),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    pub fn storage_f32(&self, label: &str, len: usize) -> wgpu::Buffer {
        self.storage(label, 4 * len as u64)
    }

    pub fn storage_init(&self, label: &str, contents: &[u8]) -> wgpu::Buffer {
        if contents.is_empty() {
            return self.storage(label, 4);
        }
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
            })
    }

    /// A small uniform buffer of 32-bit words (padded to 16 bytes, as WGSL uniform structs are).
    pub fn uniform(&self, label: &str, words: &[u32]) -> wgpu::Buffer {
        let mut padded = words.to_vec();
        padded.resize(words.len().next_multiple_of(4).max(4), 0);
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(&padded),
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            })
    }

    pub fn staging(&self, bytes: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("staging"),
            size: bytes.max(4).next_multiple_of(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Copy each `(buffer, byte offset, byte len)` into `staging` (back to back) after the work
    /// already submitted, map it asynchronously and return the bytes of each range.
    pub async fn read(
        &self,
        staging: &wgpu::Buffer,
        ranges: &[(&wgpu::Buffer, u64, u64)],
    ) -> Result<Vec<Vec<u8>>> {
        let total: u64 = ranges.iter().map(|r| r.2).sum();
        if total > staging.size() {
            return Err(Error::Gpu(format!(
                "readback of {total} bytes exceeds the {}-byte staging buffer",
                staging.size()
            )));
        }
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("readback"),
            });
        let mut at = 0;
        for &(buffer, offset, len) in ranges {
            encoder.copy_buffer_to_buffer(buffer, offset, staging, at, len);
            at += len;
        }
        self.queue.submit([encoder.finish()]);
        let total = total.max(4);
        let slice = staging.slice(0..total);
        let (tx, rx) = futures_channel::oneshot::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        #[cfg(not(target_arch = "wasm32"))]
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(format!("waiting for the GPU: {e}")))?;
        rx.await
            .map_err(|_| Error::Gpu("the readback was cancelled".into()))?
            .map_err(|e| Error::Gpu(format!("mapping the readback buffer: {e}")))?;
        let out = {
            let view = slice
                .get_mapped_range()
                .map_err(|e| Error::Gpu(format!("reading the mapped buffer: {e:?}")))?;
            let mut out = Vec::with_capacity(ranges.len());
            let mut at = 0usize;
            for r in ranges {
                out.push(view[at..at + r.2 as usize].to_vec());
                at += r.2 as usize;
            }
            out
        };
        staging.unmap();
        self.check()?;
        Ok(out)
    }

    /// `read` of one range, as f32 values.
    pub async fn read_f32(
        &self,
        staging: &wgpu::Buffer,
        buffer: &wgpu::Buffer,
        offset_floats: usize,
        len: usize,
    ) -> Result<Vec<f32>> {
        let bytes = self
            .read(
                staging,
                &[(buffer, 4 * offset_floats as u64, 4 * len as u64)],
            )
            .await?;
        Ok(bytes_to_f32(&bytes[0]))
    }
}

pub fn bytes_to_f32(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

pub fn bytes_to_u32(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}
