/** Backend choice, native cpu kernels (OpenBLAS addon) and extra wasm kernels. */
export { selectBackend, backendInfo, BackendError, BACKEND_ORDER, DEFAULT_SELECT_OPTIONS } from './select.js';
export type { BackendInfo, BackendName, BackendRequest, SelectOptions } from './select.js';
export { loadNativeAddon, nativeAddonPath } from './native_addon.js';
export type { NativeAddon, AddonLoad } from './native_addon.js';
export { installNativeKernels, uninstallNativeKernels, nativeKernelsInstalled, NATIVE_KERNEL_NAMES, broadcastBatch } from './native_kernels.js';
export { registerWasmKernels, wasmUnsortedSegmentSum } from './wasm_kernels.js';
