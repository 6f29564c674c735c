/**
 * Native element-wise kernels for the cpu backend: broadcasting binary ops, unary math, reductions over a
 * contiguous block of axes, and UnsortedSegmentSum (the gradient of gather / embeddings).
 */
import * as tf from '@tensorflow/tfjs-core';
import { bufferPool } from './buffer_pool.js';
import { f32, sizeOf, type NativeImpl } from './native_util.js';

const BINARY: Record<string, number> = {
  [tf.Add]: 0, [tf.Sub]: 1, [tf.Multiply]: 2, [tf.RealDiv]: 3, [tf.Maximum]: 4, [tf.Minimum]: 5, [tf.SquaredDifference]: 6, [tf.Pow]: 7,
};
const UNARY: Record<string, number> = {
  [tf.Exp]: 0, [tf.Log]: 1, [tf.Sigmoid]: 2, [tf.Sqrt]: 3, [tf.Rsqrt]: 4, [tf.Square]: 5, [tf.Neg]: 6, [tf.Abs]: 7,
  [tf.Relu]: 8, [tf.Tanh]: 9, [tf.Erf]: 10, [tf.Reciprocal]: 11, [tf.Log1p]: 12, [tf.Softplus]: 13,
};
const REDUCE: Record<string, number> = { [tf.Sum]: 0, [tf.Mean]: 1, [tf.Max]: 2, [tf.Min]: 3 };

/**
 * Strides of `shape` right-aligned to `outShape`, 0 on broadcast dimensions.
 * @example broadcastStrides([3, 1], [2, 3, 4]) // Int32Array [0, 1, 0]
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const out = new Int32Array(outShape.length);
  const off = outShape.length - shape.length;
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d + off] = shape[d] === 1 ? 0 : stride;
    stride *= shape[d];
  }
  return out;
}

function binaryImpl(op: number): NativeImpl {
  return (addon, backend, { inputs }) => {
    const a = inputs.a!, b = inputs.b!;
    const av = f32(backend, a), bv = f32(backend, b);
    if (!av || !bv) return null;
    let outShape: number[];
    try { outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape); } catch { return null; }
    if (outShape.length > 8) return null;
    const out = bufferPool().take(sizeOf(outShape));
    if (out.length > 0) {
      const shape = outShape.length === 0 ? [1] : outShape;
      addon.binary(op, av, bv, out, Int32Array.from(shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
    }
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

function unaryImpl(op: number): NativeImpl {
  return (addon, backend, { inputs }) => {
    const x = inputs.x!;
    const xv = f32(backend, x);
    if (!xv) return null;
    const out = bufferPool().take(xv.length);
    addon.unary(op, xv, out);
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
}

function reduceImpl(op: number): NativeImpl {
  return (addon, backend, { inputs, attrs }) => {
    const x = inputs.x!;
    const xv = f32(backend, x);
    const at = attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims?: boolean };
    if (!xv) return null;
    const raw = at.axis ?? at.reductionIndices ?? null;
    const axes = [...new Set(tf.util.parseAxisParam(raw as number | number[], x.shape))].sort((p, q) => p - q);
    if (axes.length === 0) return null;
    for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[0] + i) return null; // not one contiguous block
    const first = axes[0], last = axes[axes.length - 1];
    const outer = sizeOf(x.shape.slice(0, first)), red = sizeOf(x.shape.slice(first, last + 1)), inner = sizeOf(x.shape.slice(last + 1));
    if (red === 0 && op >= 2) return null;
    const out = bufferPool().take(outer * inner);
    addon.reduce(op, xv, out, outer, red, inner);
    const shape = at.keepDims ? x.shape.map((s, d) => (d >= first && d <= last ? 1 : s)) : x.shape.filter((_, d) => d < first || d > last);
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

const unsortedSegmentSum: NativeImpl = (addon, backend, { inputs, attrs }) => {
  const x = inputs.x!, segmentIds = inputs.segmentIds!;
  const xv = f32(backend, x);
  const ids = backend.data.get(segmentIds.dataId)?.values;
  const numSegments = (attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  if (!xv || !(ids instanceof Int32Array) || segmentIds.shape.length > x.shape.length) return null;
  for (let d = 0; d < segmentIds.shape.length; d++) if (segmentIds.shape[d] !== x.shape[d]) return null;
  const rest = x.shape.slice(segmentIds.shape.length);
  const inner = sizeOf(rest);
  const out = bufferPool().take(numSegments * inner); // [numSegments, ...rest]
  addon.segmentSum(xv, ids, out, inner);
  return backend.makeTensorInfo([numSegments, ...rest], 'float32', out);
};

/** Element-wise, reduction and segment kernels keyed by tfjs kernel name. */
export const ELEMENTWISE_IMPLS: Record<string, NativeImpl> = {
  ...Object.fromEntries(Object.entries(BINARY).map(([k, op]) => [k, binaryImpl(op)])),
  ...Object.fromEntries(Object.entries(UNARY).map(([k, op]) => [k, unaryImpl(op)])),
  ...Object.fromEntries(Object.entries(REDUCE).map(([k, op]) => [k, reduceImpl(op)])),
  [tf.UnsortedSegmentSum]: unsortedSegmentSum,
};
