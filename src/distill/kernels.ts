/**
 * Training needs the gradient of gather (embeddings, CE), i.e. UnsortedSegmentSum. The wasm backend lacks it:
 * register a plain-JS version for the current backend only when none is registered (a native one wins).
 */
import * as tf from '@tensorflow/tfjs-core';

interface BackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput?: (shape: number[], dtype: tf.DataType, offset?: number, values?: Float32Array) => tf.TensorInfo;
  makeTensorInfo?: (shape: number[], dtype: tf.DataType, values?: Float32Array) => tf.TensorInfo;
}

/**
 * Makes sure the current backend can run training (registers a JS UnsortedSegmentSum when missing).
 * @example await tf.setBackend('wasm'); ensureTrainingKernels();
 */
export function ensureTrainingKernels(): void {
  const backendName = tf.getBackend();
  if (tf.getKernel('UnsortedSegmentSum', backendName)) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as BackendLike;
      const x = inputs.x as tf.TensorInfo;
      const seg = inputs.segmentIds as tf.TensorInfo;
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const xv = b.readSync(x.dataId);
      const ids = b.readSync(seg.dataId);
      const inner = xv.length / Math.max(1, ids.length);
      const out = new Float32Array(numSegments * inner);
      for (let i = 0; i < ids.length; i++) {
        const s = ids[i] as number;
        if (s < 0 || s >= numSegments) continue;
        const o = s * inner;
        const src = i * inner;
        for (let j = 0; j < inner; j++) out[o + j] = (out[o + j] as number) + (xv[src + j] as number);
      }
      const shape = [numSegments, ...x.shape.slice(seg.shape.length)];
      if (b.makeOutput) return b.makeOutput(shape, x.dtype, undefined, out);
      if (b.makeTensorInfo) return b.makeTensorInfo(shape, x.dtype, out);
      throw new Error(`distill: backend ${backendName} can make no output tensor for UnsortedSegmentSum`);
    },
  });
}
