/** A tiny differentiable stand-in LM for trainer tests: embedding, residual tanh layers, tied output. */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../../src/types.js';
import type { ModelLike } from '../../src/distill/step.js';
import { randn } from './helpers.js';

/** A ModelSpec for the toy (only vocabSize, hiddenSize, numLayers, ffnHiddenSize, heads matter). */
export function toySpec(vocab: number, width: number, layers: number): ModelSpec {
  return {
    family: 'llama', vocabSize: vocab, hiddenSize: width, numLayers: layers, numHeads: 1, numKvHeads: 1, headDim: width,
    ffnHiddenSize: width, activation: 'silu', mlpType: 'gated', normType: 'rmsnorm', normEps: 1e-5, positional: 'rope',
    ropeTheta: 10000, ropeScaling: null, maxPositions: 64, tiedEmbeddings: true, qkvBias: false, oBias: false, mlpBias: false,
    slidingWindow: null, bosTokenId: null, eosTokenId: null,
  };
}

/** Random toy weights from a seed. */
export function toyModel(vocab: number, width: number, layers: number, seed: number): ModelLike {
  const params: Params = { 'model.embed_tokens.weight': tf.tensor(randn(vocab * width, seed, 0.5), [vocab, width]) };
  for (let l = 0; l < layers; l++) {
    params[`model.layers.${l}.mlp.up_proj.weight`] = tf.tensor(randn(width * width, seed * 31 + l, 1 / Math.sqrt(width)), [width, width]);
  }
  return { spec: toySpec(vocab, width, layers), params };
}

/** The toy forward: x = E[ids]; x += tanh(x Wᵀ) per layer (tap 'block_out'); logits = x Eᵀ. */
export function toyForward(spec: ModelSpec, params: Params, ids: tf.Tensor2D, opts: { onTap?: (n: any, l: number, x: tf.Tensor) => void } = {}): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, t] = ids.shape;
    const e = params['model.embed_tokens.weight'] as tf.Tensor2D; // [V, D]
    let x = tf.gather(e, tf.reshape(ids, [b * t])) as tf.Tensor2D; // [B*T, D]
    opts.onTap?.('block_in', 0, tf.reshape(x, [b, t, spec.hiddenSize]));
    for (let l = 0; l < spec.numLayers; l++) {
      const w = params[`model.layers.${l}.mlp.up_proj.weight`] as tf.Tensor2D; // [D, D]
      x = tf.add(x, tf.tanh(tf.matMul(x, w, false, true)));
      opts.onTap?.('block_out', l, tf.reshape(x, [b, t, spec.hiddenSize]));
    }
    return tf.reshape(tf.matMul(x, e, false, true), [b, t, spec.vocabSize]) as tf.Tensor3D; // [B, T, V]
  });
}
