/** Test helpers: run a computation with tfjs' reference cpu kernels and with the native overrides. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/backend/gradients.js';
import assert from 'node:assert/strict';
import { loadNativeAddon } from '../../src/backend/native_addon.js';
import { installNativeKernels, uninstallNativeKernels } from '../../src/backend/native_kernels.js';

export const addon = loadNativeAddon().addon;
export const skipNative = addon ? false : `native addon unavailable: ${loadNativeAddon().reason}`;

/** Seeded random tensor ([lo, hi) uniform). */
export function rand(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', seed);
}

/** Runs fn with the reference kernels, then with the native kernels; returns both outputs as arrays. */
export function refAndNative(fn: () => tf.Tensor | tf.Tensor[]): { ref: Float32Array[]; nat: Float32Array[]; shapes: number[][] } {
  const run = () => {
    const before = tf.memory().numTensors;
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const arrays = list.map((t) => Float32Array.from(t.dataSync()));
    const shapes = list.map((t) => t.shape);
    tf.dispose(list);
    assert.equal(tf.memory().numTensors, before, 'tensor leak');
    return { arrays, shapes };
  };
  uninstallNativeKernels();
  const r = run();
  installNativeKernels(addon!);
  const n = run();
  assert.deepEqual(n.shapes, r.shapes, 'output shapes differ');
  return { ref: r.arrays, nat: n.arrays, shapes: r.shapes };
}

/** Asserts |a - b| <= atol + rtol * |b| element-wise (NaN matches NaN, equal infinities match). */
export function assertClose(a: Float32Array, b: Float32Array, rtol = 1e-4, atol = 1e-5, what = ''): void {
  assert.equal(a.length, b.length, `${what}: lengths ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i]) && Number.isNaN(a[i])) continue;
    if (a[i] === b[i]) continue;
    const tol = atol + rtol * Math.abs(b[i]);
    if (!(Math.abs(a[i] - b[i]) <= tol)) assert.fail(`${what}: element ${i}: native ${a[i]} vs reference ${b[i]} (tol ${tol})`);
  }
}

/** refAndNative + assertClose on every output. */
export function checkSame(what: string, fn: () => tf.Tensor | tf.Tensor[], rtol = 1e-4, atol = 1e-5): void {
  const { ref, nat } = refAndNative(fn);
  ref.forEach((r, i) => assertClose(nat[i], r, rtol, atol, `${what} output ${i}`));
}
