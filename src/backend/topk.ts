/**
 * The teacher cache's per-position statistics of logits [N, V]: the k largest logits with their ids and the
 * log-sum-exp of the row. Native: one pass per row with a size-k heap (tfjs' cpu topk sorts the whole row, ~100× slower
 * at V = 49152); other backends use tf.topk and tf.logSumExp, the reference the tests compare against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FusedOpError, float32Values, nativeAddonFor } from './fused_ops.js';

/** Top-k logits and ids [N, K] and the log-sum-exp [N] of each row. */
export interface TopKLse {
  values: tf.Tensor2D;
  indices: tf.Tensor2D;
  lse: tf.Tensor1D;
}

/**
 * Top-k (descending; equal values: lower id first, as tf.topk) and log-sum-exp of every row of x [N, V] (caller disposes).
 * @example const { values, indices, lse } = topKWithLse(logits2d, 64);
 */
export function topKWithLse(x: tf.Tensor2D, k: number): TopKLse {
  const [n, v] = x.shape;
  if (!Number.isInteger(k) || k < 1 || k > v) throw new FusedOpError(`backend/topk.ts topKWithLse: k must be an integer in [1, ${v}], got ${k}`);
  const addon = process.env.MINITRON_FUSED === '0' ? null : nativeAddonFor(x);
  const xs = addon ? float32Values(x) : null;
  if (!addon || !xs || n === 0) {
    return tf.tidy(() => {
      const top = tf.topk(x, k);
      return { values: top.values as tf.Tensor2D, indices: top.indices as tf.Tensor2D, lse: tf.logSumExp(x, -1) as tf.Tensor1D };
    });
  }
  const values = new Float32Array(n * k), ids = new Int32Array(n * k), lse = new Float32Array(n);
  addon.topKLse(xs, v, k, values, ids, lse);
  return { values: tf.tensor2d(values, [n, k]), indices: tf.tensor2d(ids, [n, k], 'int32'), lse: tf.tensor1d(lse) };
}
