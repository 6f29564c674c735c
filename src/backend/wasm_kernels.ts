/**
 * Kernels the tfjs `wasm` backend lacks, in plain JS on its heap views: UnsortedSegmentSum (the gradient of
 * gather, i.e. of every embedding lookup — without it training fails on wasm).
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

/**
 * UnsortedSegmentSum for the wasm backend: out[ids[i], ...] += x[i, ...]; ids outside [0, numSegments) are skipped.
 * @example tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: wasmUnsortedSegmentSum });
 */
export const wasmUnsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x!, segmentIds = inputs.segmentIds!;
  const numSegments = (attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  const wb = backend as unknown as WasmBackendLike;
  const n = tf.util.sizeFromShape(segmentIds.shape);
  for (let d = 0; d < segmentIds.shape.length; d++) {
    if (segmentIds.shape[d] !== x.shape[d]) {
      throw new Error(`wasm_kernels.ts UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must prefix x shape [${x.shape}]`);
    }
  }
  const rest = x.shape.slice(segmentIds.shape.length);
  const inner = tf.util.sizeFromShape(rest);
  const out = wb.makeOutput([numSegments, ...rest], x.dtype); // [numSegments, ...rest]
  // Views are taken after makeOutput: allocating may grow (and detach) the heap.
  const ov = wb.typedArrayFromHeap(out), xv = wb.typedArrayFromHeap(x), ids = wb.typedArrayFromHeap(segmentIds);
  ov.fill(0);
  for (let i = 0; i < n; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner, xi = i * inner;
    for (let j = 0; j < inner; j++) ov[o + j] += xv[xi + j];
  }
  return out;
};

/**
 * Registers the missing wasm kernels (idempotent; leaves a kernel alone if tfjs already has one).
 * @example registerWasmKernels(); await tf.setBackend('wasm');
 */
export function registerWasmKernels(): string[] {
  const added: string[] = [];
  if (!tf.getKernel(tf.UnsortedSegmentSum, 'wasm')) {
    tf.registerKernel({ kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: wasmUnsortedSegmentSum });
    added.push(tf.UnsortedSegmentSum);
  }
  return added;
}
