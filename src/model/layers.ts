/**
 * Building blocks of the decoder: linear, norms, activations. Differentiable; RMSNorm uses the fused kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation, ModelSpec, Params } from '../types.js';
import { FAMILIES } from '../plan_core/types.js';
import { rmsNorm } from '../backend/fused_layers.js';

/**
 * y = x Wᵀ + b for x [..., in], W [out, in] (torch Linear layout); reshaped to 2-D for the matmul.
 * @example linear(x, params['lm_head.weight']) // [B, T, V]
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const x2 = tf.reshape(x, [-1, inDim]); // [N, in]
  let y = tf.matMul(x2, w, false, true); // [N, out]
  if (b) y = tf.add(y, b);
  return tf.reshape(y, [...lead, w.shape[0]]);
}

/**
 * RMSNorm (llama; scaled by 1 + w for Gemma) or LayerNorm (gpt2) over the last axis, as transformers computes them
 * in float32. Also the per-head q/k norms (x [B, T, n, Dh], weight [Dh]).
 * @example norm(spec, params, 'model.norm', h) // [B, T, D]
 */
export function norm(spec: ModelSpec, params: Params, prefix: string, x: tf.Tensor): tf.Tensor {
  const w = params[`${prefix}.weight`];
  const axis = x.shape.length - 1;
  if (spec.normType === 'rmsnorm') {
    // fused native kernel where available; Gemma's (1 + w) is formed first, as transformers does in float32
    return rmsNorm(x, FAMILIES[spec.family].normPlusOne ? tf.add(w, 1) : w, spec.normEps);
  }
  const { mean, variance } = tf.moments(x, axis, true);
  const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, spec.normEps)));
  return tf.add(tf.mul(y, w), params[`${prefix}.bias`]);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The MLP activation function.
 * @example activate('silu', x)
 */
export function activate(kind: Activation, x: tf.Tensor): tf.Tensor {
  switch (kind) {
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'relu':
      return tf.relu(x);
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    case 'gelu_new':
    case 'gelu_pytorch_tanh': {
      const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
    }
  }
}
