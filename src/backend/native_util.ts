/** Shared helpers for the native cpu kernel overrides. */
import type * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './native_addon.js';

/** Arguments tfjs passes to a kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** A native kernel: returns null when it does not cover the case, so the original tfjs kernel runs. */
export type NativeImpl = (addon: NativeAddon, backend: MathBackendCPU, args: KernelArgs) => tf.TensorInfo | null;

/**
 * The cpu backend's Float32Array storage of a float32 tensor, or null.
 * @example const v = f32(backend, inputs.x); if (!v) return null;
 */
export function f32(backend: MathBackendCPU, t: tf.TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

/**
 * Product of a shape's dimensions.
 * @example sizeOf([2, 3]) === 6
 */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
