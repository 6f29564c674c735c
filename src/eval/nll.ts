/**
 * The one next-token negative log-likelihood of the library: logsumexp of each row minus the gathered label logit.
 * No one-hot [N, V] tensor is built. The gradient is written out (softmax·dy minus dy at each label, the label part an
 * UnsortedSegmentSum, registered for every backend in src/backend), so the backward pass keeps only the logits and the
 * row logsumexp instead of tfjs' per-op intermediates. Used by perplexity, the importance depth metrics,
 * multiple-choice scoring and distillation's cross-entropy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from '../errors.js';

/** Row NLL [N] of logits [N, V] at flat label indices idx [N] (row·V + label), with a hand-written gradient. */
function rowNll(flat: tf.Tensor2D, idx: tf.Tensor1D): tf.Tensor1D {
  const [n, v] = flat.shape;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor, save = args[1] as tf.GradSaveFunc;
    const lse = tf.logSumExp(x, 1); // [N]
    const picked = tf.gather(tf.reshape(x, [n * v]), idx); // [N]
    save([x, lse, idx]);
    return {
      value: tf.sub(lse, picked), // [N]
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => {
        const [xs, lses, ids] = saved;
        const p = tf.exp(tf.sub(xs, tf.expandDims(lses, 1))); // [N, V] softmax
        const atLabel = tf.reshape(tf.unsortedSegmentSum(dy, ids as tf.Tensor1D, n * v), [n, v]); // [N, V]: dy at each label
        return tf.sub(tf.mul(p, tf.expandDims(dy, 1)), atLabel); // [N, V]
      }),
    };
  });
  return f(flat) as tf.Tensor1D;
}

/**
 * NLL of integer labels [...] under logits [..., V], per position: logsumexp(logits) − logits[label]. Differentiable.
 * @example nllFromLogits(logits, labels) // logits [B, T, V], labels [B, T] -> [B, T]
 */
export function nllFromLogits<R extends tf.Rank>(logits: tf.Tensor, labels: tf.Tensor<R>): tf.Tensor<R> {
  const lead = logits.shape.slice(0, -1);
  if (lead.length !== labels.rank || lead.some((d, i) => d !== labels.shape[i])) {
    throw new UsageError(`nll: labels shape [${labels.shape}] must equal the logits shape [${logits.shape}] without its last axis`);
  }
  return tf.tidy(() => {
    const v = logits.shape[logits.rank - 1];
    const n = labels.size;
    const rowStart = tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(v, 'int32')); // [N]
    const idx = tf.add(rowStart, tf.cast(tf.reshape(labels, [n]), 'int32')) as tf.Tensor1D; // [N] flat index of each label logit
    return tf.reshape(rowNll(tf.reshape(logits, [n, v]), idx), labels.shape) as tf.Tensor<R>; // [...]
  });
}

/**
 * Per-position next-token NLL of ids [B, T] under logits [B, T, V]: position t predicts ids[:, t+1] -> [B, T-1].
 * @example const nll = nextTokenNll(forward(spec, params, ids), ids); // [B, T-1]
 */
export function nextTokenNll(logits: tf.Tensor3D, ids: tf.Tensor2D): tf.Tensor2D {
  const [b, t] = logits.shape;
  if (ids.shape[0] !== b || ids.shape[1] !== t) throw new UsageError(`nll: ids shape [${ids.shape}] must be [${b}, ${t}] to match logits [${logits.shape}]`);
  return tf.tidy(() => {
    // Score every position against the next id (the last against a dummy 0) and drop the last column afterwards:
    // no copy of the [B, T-1, V] logits is made, and the dropped column gets a zero gradient.
    const next = tf.concat([tf.slice(ids, [0, 1], [b, t - 1]), tf.zeros([b, 1], 'int32')], 1); // [B, T]
    const all = nllFromLogits(logits, next as tf.Tensor2D); // [B, T]
    return tf.slice(all, [0, 0], [b, t - 1]); // [B, T-1]
  });
}

/**
 * Mean next-token cross-entropy of ids [B, T] under logits [B, T, V] (a differentiable scalar).
 * @example const loss = meanNextTokenNll(logits, ids); loss.dataSync()[0]
 */
export function meanNextTokenNll(logits: tf.Tensor3D, ids: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(nextTokenNll(logits, ids)) as tf.Scalar);
}
