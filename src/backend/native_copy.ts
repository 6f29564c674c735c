/**
 * Native data-movement kernels for the cpu backend: Slice (one restricted axis), SplitV, Concat and GatherV2, as strided
 * block copies (tfjs' own versions index element by element; RoPE's split/concat made them the slowest ops).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { bufferPool } from './buffer_pool.js';
import { sizeOf, type NativeImpl } from './native_util.js';

type Words = Float32Array | Int32Array;

/** 4-byte storage (float32 or int32) of a tensor, else null. */
function words(backend: MathBackendCPU, t: tf.TensorInfo): Words | null {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array || v instanceof Int32Array ? v : null;
}

const asF32 = (w: Words): Float32Array => (w instanceof Float32Array ? w : new Float32Array(w.buffer, w.byteOffset, w.length));
const alloc = (dtype: tf.DataType, n: number): Words => (dtype === 'int32' ? new Int32Array(n) : bufferPool().take(n));

/** Copies x[..., begin:begin+size, ...] along `axis` (all other dims whole) into a new tensor. */
function sliceAxis(addon: Parameters<NativeImpl>[0], backend: MathBackendCPU, x: tf.TensorInfo, xv: Words, axis: number, begin: number, size: number): tf.TensorInfo {
  const shape = x.shape.slice();
  const inner = sizeOf(shape.slice(axis + 1)), outer = sizeOf(shape.slice(0, axis));
  const out = alloc(x.dtype, outer * size * inner);
  addon.copy2d(asF32(xv), begin * inner, shape[axis] * inner, asF32(out), 0, size * inner, size * inner, outer);
  shape[axis] = size;
  return backend.makeTensorInfo(shape, x.dtype, out);
}

const slice: NativeImpl = (addon, backend, { inputs, attrs }) => {
  const x = inputs.x!;
  const xv = words(backend, x);
  if (!xv || x.shape.length === 0) return null;
  const { begin, size } = attrs as unknown as tf.SliceAttrs;
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
  const restricted = x.shape.map((d, i) => (b[i] !== 0 || s[i] !== d ? i : -1)).filter((i) => i >= 0);
  if (restricted.length > 1) return null;
  const axis = restricted.length ? restricted[0] : 0;
  return sliceAxis(addon, backend, x, xv, axis, b[axis], s[axis]);
};

const splitV: NativeImpl = (addon, backend, { inputs, attrs }) => {
  const x = inputs.x!;
  const xv = words(backend, x);
  if (!xv || x.shape.length === 0) return null;
  const { numOrSizeSplits, axis } = attrs as unknown as tf.SplitVAttrs;
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, numOrSizeSplits, ax);
  let begin = 0;
  const outs = sizes.map((size) => { const t = sliceAxis(addon, backend, x, xv, ax, begin, size); begin += size; return t; });
  return outs;
};

const concat: NativeImpl = (addon, backend, { inputs, attrs }) => {
  const list = (Array.isArray(inputs) ? inputs : Object.values(inputs)) as tf.TensorInfo[];
  if (list.length === 0) return null;
  const dtype = list[0].dtype;
  const vals = list.map((t) => (t.dtype === dtype ? words(backend, t) : null));
  if (vals.some((v) => !v)) return null;
  const rank = list[0].shape.length;
  if (rank === 0) return null;
  const ax = tf.util.parseAxisParam((attrs as unknown as tf.ConcatAttrs).axis, list[0].shape)[0];
  let outShape: number[];
  try { outShape = tf.backend_util.computeOutShape(list.map((t) => t.shape), ax); } catch { return null; }
  const inner = sizeOf(outShape.slice(ax + 1)), outer = sizeOf(outShape.slice(0, ax));
  const rowLen = outShape[ax] * inner;
  const out = alloc(dtype, sizeOf(outShape));
  let col = 0;
  list.forEach((t, i) => {
    const block = t.shape[ax] * inner;
    addon.copy2d(asF32(vals[i]!), 0, block, asF32(out), col, rowLen, block, outer);
    col += block;
  });
  return backend.makeTensorInfo(outShape, dtype, out);
};

const gatherV2: NativeImpl = (addon, backend, { inputs, attrs }) => {
  const x = inputs.x!, indices = inputs.indices!;
  const xv = words(backend, x);
  const iv = backend.data.get(indices.dataId)?.values;
  const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
  if (!xv || !(iv instanceof Int32Array) || (batchDims ?? 0) !== 0 || x.shape.length === 0) return null;
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const outer = sizeOf(x.shape.slice(0, ax)), inner = sizeOf(x.shape.slice(ax + 1));
  const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
  const out = alloc(x.dtype, outer * iv.length * inner); // [...x[:ax], ...indices, ...x[ax+1:]]
  if (out.length > 0 && !addon.gather(asF32(xv), iv, asF32(out), outer, x.shape[ax], inner)) return null; // tfjs raises the index error
  return backend.makeTensorInfo(outShape, x.dtype, out);
};

/** Data-movement kernels keyed by tfjs kernel name. */
export const COPY_IMPLS: Record<string, NativeImpl> = { [tf.Slice]: slice, [tf.SplitV]: splitV, [tf.Concat]: concat, [tf.GatherV2]: gatherV2 };
