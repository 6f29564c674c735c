/** Next-token cross-entropy from logits, used by the depth metrics (independent of the eval module's options). */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { forward, type ForwardOptions } from '../model/forward.js';

/**
 * Mean next-token cross-entropy of logits [B, T, V] against ids [B, T] (positions 0..T-2 predict 1..T-1).
 * @example const loss = nextTokenLoss(logits, ids); // tf.Scalar
 */
export function nextTokenLoss(logits: tf.Tensor3D, ids: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [b, t, v] = logits.shape;
    const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [b, t - 1, v]), [b * (t - 1), v]); // [B*(T-1), V]
    const target = tf.reshape(tf.slice(ids, [0, 1], [b, t - 1]), [b * (t - 1)]); // [B*(T-1)]
    const logp = tf.logSoftmax(pred, -1); // [N, V]
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(target, 'int32'), v)), -1); // [N]
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/**
 * Mean next-token loss over token batches, with optional forward options (e.g. skipLayers); returns a number.
 * @example meanLoss(spec, params, [[[1, 2, 3]]], { skipLayers: [4] })
 */
export function meanLoss(spec: ModelSpec, params: Params, batches: number[][][], opts: Partial<ForwardOptions> = {}): number {
  let total = 0;
  for (const b of batches) {
    total += tf.tidy(() => {
      const ids = tf.tensor2d(b, [b.length, b[0].length], 'int32'); // [B, T]
      return nextTokenLoss(forward(spec, params, ids, opts), ids).dataSync()[0];
    });
  }
  return total / batches.length;
}
