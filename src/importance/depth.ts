/** Depth importance: PPL with a layer (or a window of layers) removed, Taylor / Taylor+ from one backward pass. */
import * as tf from '@tensorflow/tfjs-core';
import '../backend/gradients.js'; // registers tfjs gradients (the core's Node bundle has none)
import type { ModelSpec, Params } from '../types.js';
import { forward } from '../model/forward.js';
import { meanLoss } from './loss.js';
import { meanNextTokenNll } from '../eval/nll.js';

/**
 * Perplexity of the model with each given set of layers removed (one entry per set).
 * @example pplWithout(spec, params, batches, [[0], [1], [2]]) // [ppl without 0, ppl without 1, ...]
 */
export function pplWithout(spec: ModelSpec, params: Params, batches: number[][][], sets: number[][],
  onEach?: (i: number, ppl: number) => void): number[] {
  return sets.map((skip, i) => {
    const ppl = Math.exp(meanLoss(spec, params, batches, { skipLayers: skip }));
    onEach?.(i, ppl);
    return ppl;
  });
}

/**
 * All windows of k contiguous layers, as skip sets: k=2, 4 layers -> [[0,1],[1,2],[2,3]].
 * @example contiguousWindows(30, 6).length // 25
 */
export function contiguousWindows(numLayers: number, k: number): number[][] {
  if (!Number.isInteger(k) || k < 1 || k >= numLayers) throw new Error(`contiguous windows: k must be in [1, ${numLayers - 1}], got ${k}`);
  return Array.from({ length: numLayers - k + 1 }, (_, s) => Array.from({ length: k }, (_, j) => s + j));
}

/**
 * Taylor importance per block: sum over the block's weights of |w · dL/dw|, L the mean loss over the batches.
 * @example taylorScores(spec, params, batches) // number[numLayers]
 */
export function taylorScores(spec: ModelSpec, params: Params, batches: number[][][]): number[] {
  const names = Object.keys(params).filter((n) => n.startsWith('model.layers.'));
  const xs = names.map((n) => params[n]);
  let acc: tf.Tensor[] | null = null;
  for (const b of batches) {
    const grads = tf.tidy(() => {
      const ids = tf.tensor2d(b, [b.length, b[0].length], 'int32'); // [B, T]
      const f = (...ws: tf.Tensor[]): tf.Scalar => {
        const p: Params = { ...params };
        names.forEach((n, i) => { p[n] = ws[i]; });
        return meanNextTokenNll(forward(spec, p, ids), ids); // logits [B, T, V]
      };
      return tf.grads(f)(xs);
    });
    if (acc === null) acc = grads;
    else {
      const prev: tf.Tensor[] = acc;
      acc = prev.map((a, i) => { const s = tf.add(a, grads[i]); a.dispose(); grads[i].dispose(); return s; });
    }
  }
  const scores = new Array<number>(spec.numLayers).fill(0);
  names.forEach((n, i) => {
    const l = Number(/^model\.layers\.(\d+)\./.exec(n)![1]);
    scores[l] += tf.tidy(() => tf.sum(tf.abs(tf.mul(xs[i], acc![i]))).dataSync()[0]) / batches.length;
  });
  acc?.forEach((t) => t.dispose());
  return scores;
}

/** Score given to blocks Taylor+ never removes (well above any real score, still finite JSON). */
export const PROTECTED_SCORE = 1e30;

/**
 * Taylor+ (Shortened LLaMA): Taylor scores with the first `first` and last `last` blocks protected.
 * @example taylorPlus([3, 1, 2, 5, 4, 1, 2, 9], 4, 2) // [1e30, 1e30, 1e30, 1e30, 4, 1, 1e30, 1e30]
 */
export function taylorPlus(scores: readonly number[], first = 4, last = 2): number[] {
  return scores.map((s, l) => (l < first || l >= scores.length - last ? PROTECTED_SCORE : s));
}
