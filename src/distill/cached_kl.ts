/**
 * Forward KL against a cached teacher (src/distill/teacher_cache.ts): the teacher is known by its top-k log-probabilities
 * (top-k logits minus the full log-sum-exp) and the mass of the rest of the vocabulary as one bucket; the student's
 * distribution is read at the same k tokens plus its own rest bucket. Exact forward KL when k = V; otherwise the KL
 * between the two (k + 1)-outcome distributions, a lower bound of the full KL. The math lives once, in
 * backend/fused_loss.ts (topKBucketKl, and the fused lm_head kernel that the trainer uses when it can).
 */
import * as tf from '@tensorflow/tfjs-core';
import '../backend/gradients.js';
import { topKBucketKl } from '../backend/fused_loss.js';
import { DistillLossError } from './losses.js';
import type { CachedBatch } from './teacher_cache.js';

/** The cached teacher of one micro-batch as tensors. @example const t = cachedTeacherTensors(cache.batch(ws)); */
export interface CachedTeacher {
  values: tf.Tensor2D; // [N, K] top-k logits
  indices: tf.Tensor2D; // [N, K] int32 token ids
  lse: tf.Tensor1D; // [N] log-sum-exp over the vocabulary
}

/** Tensors of a cached batch (caller disposes). @example const t = cachedTeacherTensors(b); ...; tf.dispose(Object.values(t)); */
export function cachedTeacherTensors(b: CachedBatch): CachedTeacher {
  const n = b.windows * b.seqLen;
  return {
    values: tf.tensor2d(b.values, [n, b.topK]),
    indices: tf.tensor2d(b.indices, [n, b.topK], 'int32'),
    lse: tf.tensor1d(b.lse),
  };
}

/**
 * KL(p_teacher ‖ p_student) over the teacher's top-k tokens plus one "rest" bucket, averaged over positions (τ = 1 only:
 * the cache holds τ = 1 statistics).
 * @example const l = cachedKl(teacher, studentLogits); // scalar
 */
export function cachedKl(teacher: CachedTeacher, studentLogits: tf.Tensor, opts: { temperature: number } = { temperature: 1 }): tf.Scalar {
  if (opts.temperature !== 1) throw new DistillLossError(`losses: a teacher cache holds τ = 1 statistics; temperature ${opts.temperature} needs a live teacher`);
  const v = studentLogits.shape[studentLogits.rank - 1] as number;
  const n = studentLogits.size / v;
  const [tn] = teacher.values.shape;
  if (tn !== n || teacher.indices.shape[0] !== n || teacher.lse.shape[0] !== n) {
    throw new DistillLossError(`losses: cached teacher has ${tn} positions, student logits [${studentLogits.shape}] have ${n}`);
  }
  return tf.tidy(() => topKBucketKl(teacher.values, teacher.indices, teacher.lse, tf.reshape(studentLogits, [n, v]) as tf.Tensor2D));
}
