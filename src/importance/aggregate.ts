/** Aggregation of activation magnitudes: over the sequence inside one forward, then streaming over the batch. */
import * as tf from '@tensorflow/tfjs-core';
import type { Aggregation } from '../types.js';
import { nativeFor } from '../backend/fused_layers.js';
import { float32Values } from '../backend/fused_ops.js';

/**
 * Aggregates non-negative values over the sequence axis: [B, T, U] -> [B, U].
 * @example seqAggregate(tf.abs(act), 'mean') // mean over tokens per sample and unit
 */
export function seqAggregate(v: tf.Tensor3D, how: Aggregation): tf.Tensor2D {
  return tf.tidy(() => {
    if (how === 'mean') return tf.mean(v, 1) as tf.Tensor2D; // [B, U]
    if (how === 'l2') return tf.sqrt(tf.sum(tf.square(v), 1)) as tf.Tensor2D; // [B, U]
    return tf.moments(v, 1).variance as tf.Tensor2D; // [B, U] population variance
  });
}

const MODE: Record<Aggregation, number> = { mean: 0, l2: 1, var: 2 };

/**
 * Sequence aggregate of a tapped activation, as numbers [B*U] (row-major [B, U]): of |x| for x [B, T, U], or of the
 * per-head L2 norm for x [B, T, H, Dh] (`perHeadNorm`). One native pass without temporaries where available.
 * @example const rows = tapAggregate(x, false, 'mean'); // Float32Array [B*U]
 */
export function tapAggregate(x: tf.Tensor, perHeadNorm: boolean, how: Aggregation): Float32Array {
  const [B, T] = x.shape;
  const U = x.shape[2] as number, G = perHeadNorm ? (x.shape[3] as number) : 1;
  const addon = nativeFor(x);
  const v = addon ? float32Values(x) : null;
  if (addon && v && x.rank === (perHeadNorm ? 4 : 3)) {
    const out = new Float32Array(B * U);
    addon.seqAggregate(v, out, B, T as number, U, G, MODE[how]);
    return out;
  }
  return tf.tidy(() => {
    const m = (perHeadNorm ? tf.norm(x, 'euclidean', -1) : tf.abs(x)) as tf.Tensor3D; // [B, T, U]
    return Float32Array.from(seqAggregate(m, how).dataSync());
  });
}

/**
 * Sum over positions of cos(a, b) along the last axis (block importance), for two equally shaped activations.
 * @example const s = cosineSum(blockIn, blockOut); // number
 */
export function cosineSum(a: tf.Tensor, b: tf.Tensor): number {
  const addon = nativeFor(a, b);
  const av = addon ? float32Values(a) : null, bv = addon ? float32Values(b) : null;
  if (addon && av && bv) return addon.cosineSum(av, bv, a.shape[a.rank - 1]);
  return tf.tidy(() => {
    const dot = tf.sum(tf.mul(a, b), -1); // [B, T]
    const den = tf.mul(tf.norm(a, 'euclidean', -1), tf.norm(b, 'euclidean', -1)); // [B, T]
    return tf.sum(tf.div(dot, tf.maximum(den, 1e-12))).dataSync()[0];
  });
}

/** Streaming statistics over samples of a [U] score vector (JSON serialisable). */
export interface BatchStats {
  n: number;
  sum: number[];
  sumsq: number[];
}

/**
 * Empty statistics for `size` units.
 * @example const st = emptyStats(64);
 */
export function emptyStats(size: number): BatchStats {
  return { n: 0, sum: new Array<number>(size).fill(0), sumsq: new Array<number>(size).fill(0) };
}

/**
 * Adds per-sample rows ([B*U] values, row-major) to the statistics in float64.
 * @example addRows(st, seqAggregate(x, 'mean').dataSync(), 2)
 */
export function addRows(st: BatchStats, rows: ArrayLike<number>, batch: number): void {
  const u = st.sum.length;
  if (rows.length !== batch * u) throw new Error(`importance stats: expected ${batch}×${u} values, got ${rows.length}`);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < u; i++) {
      const v = rows[b * u + i];
      st.sum[i] += v;
      st.sumsq[i] += v * v;
    }
  }
  st.n += batch;
}

/**
 * Final score per unit: mean, L2 (sqrt of the sum of squares) or population variance over samples.
 * @example finishStats(st, 'l2') // number[U]
 */
export function finishStats(st: BatchStats, how: Aggregation): number[] {
  if (st.n === 0) return st.sum.map(() => 0);
  if (how === 'mean') return st.sum.map((s) => s / st.n);
  if (how === 'l2') return st.sumsq.map((q) => Math.sqrt(q));
  return st.sum.map((s, i) => Math.max(0, st.sumsq[i] / st.n - (s / st.n) ** 2));
}
