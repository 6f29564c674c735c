/** Backend choice, native cpu kernels (OpenBLAS addon) and extra wasm kernels. */
export { selectBackend, backendInfo, BackendError, BACKEND_ORDER, DEFAULT_SELECT_OPTIONS } from './select.js';
export type { BackendInfo, BackendName, BackendRequest, SelectOptions } from './select.js';
export { loadNativeAddon, nativeAddonPath } from './native_addon.js';
export type { NativeAddon, AddonLoad } from './native_addon.js';
export { installNativeKernels, uninstallNativeKernels, nativeKernelsInstalled, NATIVE_KERNEL_NAMES, broadcastBatch } from './native_kernels.js';
export { registerWasmKernels, wasmUnsortedSegmentSum } from './wasm_kernels.js';
export { klDivLogits, fusedAdamW, FusedOpError, DEFAULT_KL_DIV_OPTIONS, DEFAULT_ADAMW_HYPER } from './fused_ops.js';
export type { KlDivOptions, AdamWHyper } from './fused_ops.js';
export { rmsNorm, siluMul, rope, causalAttention, DEFAULT_ATTENTION_OPTIONS } from './fused_layers.js';
export type { AttentionOptions } from './fused_layers.js';
export { bufferPool, BufferPool, DEFAULT_BUFFER_POOL_OPTIONS } from './buffer_pool.js';
export type { BufferPoolOptions, BufferPoolStats } from './buffer_pool.js';
