/** Mean next-token loss over token batches, used by the depth metrics and the architecture search. */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { forward, type ForwardOptions } from '../model/forward.js';
import { meanNextTokenNll } from '../eval/nll.js';

/**
 * Mean next-token loss over token batches, with optional forward options (e.g. skipLayers); returns a number.
 * @example meanLoss(spec, params, [[[1, 2, 3]]], { skipLayers: [4] })
 */
export function meanLoss(spec: ModelSpec, params: Params, batches: number[][][], opts: Partial<ForwardOptions> = {}): number {
  let total = 0;
  for (const b of batches) {
    total += tf.tidy(() => {
      const ids = tf.tensor2d(b, [b.length, b[0].length], 'int32'); // [B, T]
      return meanNextTokenNll(forward(spec, params, ids, opts), ids).dataSync()[0]; // logits [B, T, V]
    });
  }
  return total / batches.length;
}
