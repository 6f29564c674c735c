/**
 * Native overrides of tfjs `cpu` kernels: BatchMatMul, _FusedMatMul (OpenBLAS sgemm), Softmax, Transpose,
 * element-wise ops, reductions and UnsortedSegmentSum (native_elementwise.ts), Slice/SplitV/Concat/GatherV2 (native_copy.ts).
 * Outputs come from a recycling pool (buffer_pool.ts).
 * They read and write the cpu backend's TypedArrays directly (no copies, no 4 GB heap cap). Any case a
 * native kernel does not cover (other dtypes, prelu, odd bias shapes) runs the original tfjs kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './native_addon.js';
import { bufferPool } from './buffer_pool.js';
import { f32, type NativeImpl } from './native_util.js';
import { ELEMENTWISE_IMPLS } from './native_elementwise.js';
import { COPY_IMPLS } from './native_copy.js';

const originals = new Map<string, tf.KernelConfig>();

/** Right-aligned broadcast of two batch shapes; per output batch, the flat batch index into a and into b. */
export function broadcastBatch(aDims: number[], bDims: number[]): { shape: number[]; aIdx: Int32Array; bIdx: Int32Array } | null {
  const rank = Math.max(aDims.length, bDims.length);
  const ad = Array<number>(rank - aDims.length).fill(1).concat(aDims);
  const bd = Array<number>(rank - bDims.length).fill(1).concat(bDims);
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) {
    if (ad[d] !== bd[d] && ad[d] !== 1 && bd[d] !== 1) return null;
    shape.push(ad[d] === 1 ? bd[d] : ad[d]);
  }
  const batch = shape.reduce((p, s) => p * s, 1);
  const aIdx = new Int32Array(batch), bIdx = new Int32Array(batch);
  const idx = Array<number>(rank).fill(0);
  for (let i = 0; i < batch; i++) {
    let ai = 0, bi = 0;
    for (let d = 0; d < rank; d++) {
      ai = ai * ad[d] + (ad[d] === 1 ? 0 : idx[d]);
      bi = bi * bd[d] + (bd[d] === 1 ? 0 : idx[d]);
    }
    aIdx[i] = ai; bIdx[i] = bi;
    for (let d = rank - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return { shape, aIdx, bIdx };
}

function matmul(addon: NativeAddon, backend: MathBackendCPU, a: tf.TensorInfo, b: tf.TensorInfo,
  transA: boolean, transB: boolean): { info: tf.TensorInfo; values: Float32Array; n: number } | null {
  const av = f32(backend, a), bv = f32(backend, b);
  if (!av || !bv || a.shape.length < 2 || b.shape.length < 2) return null;
  const ar = a.shape.length, br = b.shape.length;
  const m = transA ? a.shape[ar - 1] : a.shape[ar - 2];
  const ka = transA ? a.shape[ar - 2] : a.shape[ar - 1];
  const kb = transB ? b.shape[br - 1] : b.shape[br - 2];
  const n = transB ? b.shape[br - 2] : b.shape[br - 1];
  if (ka !== kb) return null; // the original kernel throws tfjs' own shape error
  const bc = broadcastBatch(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (!bc) return null;
  const out = bufferPool().take(bc.aIdx.length * m * n); // [...batch, M, N]
  addon.gemmBatch(av, bv, out, bc.aIdx, bc.bIdx, m, n, ka, transA, transB);
  return { info: backend.makeTensorInfo([...bc.shape, m, n], 'float32', out), values: out, n };
}

const batchMatMul: NativeImpl = (addon, backend, { inputs, attrs }) => {
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  return matmul(addon, backend, inputs.a!, inputs.b!, !!transposeA, !!transposeB)?.info ?? null;
};

const ACT_CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, elu: 3, leakyrelu: 4, sigmoid: 5 };

const fusedMatMul: NativeImpl = (addon, backend, { inputs, attrs }) => {
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as tf._FusedMatMulAttrs;
  const act = ACT_CODES[activation ?? 'linear'];
  if (act === undefined || inputs.preluActivationWeights) return null;
  const bias = inputs.bias;
  let bv: Float32Array | null = null;
  if (bias) {
    bv = f32(backend, bias);
    if (!bv) return null;
    const size = bv.length, last = bias.shape[bias.shape.length - 1];
    const bs = inputs.b!.shape;
    const nOut = transposeB ? bs[bs.length - 2] : bs[bs.length - 1];
    if (!(size === 1 || (size === nOut && last === nOut))) return null;
    if (bias.shape.length > Math.max(inputs.a!.shape.length, bs.length)) return null;
  }
  const r = matmul(addon, backend, inputs.a!, inputs.b!, !!transposeA, !!transposeB);
  if (!r) return null;
  if (r.n > 0 && r.values.length > 0) addon.biasAct(r.values, bv, r.n, act, leakyreluAlpha ?? 0.2);
  return r.info;
};

const softmax: NativeImpl = (addon, backend, { inputs, attrs }) => {
  const x = inputs.logits!;
  const xv = f32(backend, x);
  const dim = (attrs as unknown as tf.SoftmaxAttrs).dim;
  const rank = x.shape.length;
  if (!xv || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
  const cols = x.shape[rank - 1];
  const out = bufferPool().take(xv.length);
  if (cols > 0 && xv.length > 0) addon.softmax(xv, out, cols);
  return backend.makeTensorInfo(x.shape, 'float32', out);
};

const transpose: NativeImpl = (addon, backend, { inputs, attrs }) => {
  const x = inputs.x!;
  const perm = (attrs as unknown as tf.TransposeAttrs).perm;
  const v = backend.data.get(x.dataId)?.values;
  if (!(v instanceof Float32Array || v instanceof Int32Array) || x.shape.length === 0 || x.shape.length > 8) return null;
  const out = v instanceof Float32Array ? bufferPool().take(v.length) : new Int32Array(v.length);
  const asF = (t: Float32Array | Int32Array) => (t instanceof Float32Array ? t : new Float32Array(t.buffer, t.byteOffset, t.length));
  addon.transpose(asF(v), asF(out), Int32Array.from(x.shape), Int32Array.from(perm));
  return backend.makeTensorInfo(perm.map((p) => x.shape[p]), x.dtype, out);
};

const IMPLS: Record<string, NativeImpl> = {
  [tf.BatchMatMul]: batchMatMul,
  [tf._FusedMatMul]: fusedMatMul,
  [tf.Softmax]: softmax,
  [tf.Transpose]: transpose,
  ...ELEMENTWISE_IMPLS,
  ...COPY_IMPLS,
};

/** Kernel names that the addon overrides on the cpu backend. */
export const NATIVE_KERNEL_NAMES: readonly string[] = Object.keys(IMPLS);

/**
 * Registers the native overrides on tfjs' `cpu` backend (idempotent); originals are kept for fallback.
 * @example installNativeKernels(loadNativeAddon().addon!); await tf.setBackend('cpu');
 */
export function installNativeKernels(addon: NativeAddon): string[] {
  for (const [name, impl] of Object.entries(IMPLS)) {
    if (originals.has(name)) continue;
    const original = tf.getKernel(name, 'cpu');
    if (!original) continue;
    originals.set(name, original);
    const kernelFunc: tf.KernelFunc = (args) => {
      const backend = args.backend as MathBackendCPU;
      bufferPool().attach(backend); // idempotent: outputs come from the recycling pool
      return impl(addon, backend, args) ?? original.kernelFunc(args);
    };
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({ ...original, kernelFunc });
  }
  return [...originals.keys()];
}

/**
 * Restores tfjs' own cpu kernels (the reference implementations).
 * @example uninstallNativeKernels(); // tfjs cpu kernels again
 */
export function uninstallNativeKernels(): void {
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(original);
  }
  originals.clear();
  bufferPool().detach();
}

/**
 * Whether the native overrides are registered now.
 * @example if (!nativeKernelsInstalled()) console.log('reference cpu kernels');
 */
export function nativeKernelsInstalled(): boolean {
  return originals.size > 0;
}
