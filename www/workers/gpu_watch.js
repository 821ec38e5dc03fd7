// What the engine worker's WebGPU holds, counted where wgpu reaches the browser: every GPUDevice
// requested and every GPUBuffer created, minus those destroyed or collected. wgpu gives no count
// on the web backend, and a long run that leaks a buffer a step would show here long before the
// tab runs out of GPU memory (tests/e2e/soak_bench.mjs reads `self.gardenGpuWatch.counts()`).
// Also the test hook for a real device loss: `destroyDevices()` calls `GPUDevice.destroy()` on
// the engine's live devices, so the next GPU call fails as it does when a driver resets.
//
// Installed once, before the wasm requests a device; a few counter updates per buffer, nothing
// per dispatch.

const counts = { buffersCreated: 0, buffersDestroyed: 0, buffersCollected: 0, devices: 0 };
const devices = new Set();
const gone = new WeakSet(); // buffers already counted as destroyed
// A buffer wgpu drops without destroy() is freed when collected: count that too.
const collected = new FinalizationRegistry(() => {
  counts.buffersCollected++;
});

export function installGpuWatch(scope = globalThis) {
  if (!scope.GPUAdapter || !scope.GPUDevice || scope.gardenGpuWatch) return scope.gardenGpuWatch ?? null;
  const requestDevice = scope.GPUAdapter.prototype.requestDevice;
  scope.GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    counts.devices++;
    devices.add(device);
    device.lost.then(() => devices.delete(device));
    return device;
  };
  const createBuffer = scope.GPUDevice.prototype.createBuffer;
  scope.GPUDevice.prototype.createBuffer = function (...args) {
    const buffer = createBuffer.apply(this, args);
    counts.buffersCreated++;
    collected.register(buffer, null, buffer);
    return buffer;
  };
  const destroy = scope.GPUBuffer.prototype.destroy;
  scope.GPUBuffer.prototype.destroy = function (...args) {
    if (!gone.has(this)) {
      gone.add(this);
      collected.unregister(this);
      counts.buffersDestroyed++;
    }
    return destroy.apply(this, args);
  };
  const watch = {
    counts: () => ({
      ...counts,
      buffersAlive: counts.buffersCreated - counts.buffersDestroyed - counts.buffersCollected,
      devicesAlive: devices.size,
    }),
    /** Destroy every live device (tests: a real device loss). Resolves to how many. */
    destroyDevices() {
      const n = devices.size;
      for (const d of devices) d.destroy();
      return n;
    },
  };
  scope.gardenGpuWatch = watch;
  return watch;
}
