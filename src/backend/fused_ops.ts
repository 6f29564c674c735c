/**
 * Fused ops with a native fast path: the distillation logit loss KL(p_teacher || p_student) computed row by row
 * in one pass (no [N, V] temporaries besides the saved gradient). Falls back to plain tfjs ops elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from './native_addon.js';
import { nativeKernelsInstalled } from './native_kernels.js';

/** Options of klDivLogits. */
export interface KlDivOptions { temperature: number }
/** Defaults: temperature 1 (the Minitron setting). */
export const DEFAULT_KL_DIV_OPTIONS: KlDivOptions = { temperature: 1 };

/** Bad arguments to a fused op. */
export class FusedOpError extends Error {
  override name = 'FusedOpError';
}

function cpuValues(t: tf.Tensor): Float32Array | null {
  const v = (tf.backend() as unknown as MathBackendCPU).data?.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

/** τ²·mean over rows of KL(softmax(t/τ) || softmax(s/τ)) with plain tfjs ops (any backend). */
function klReference(teacher: tf.Tensor, student: tf.Tensor, tau: number): tf.Scalar {
  return tf.tidy(() => {
    const lt = tf.logSoftmax(tf.div(teacher, tau)), ls = tf.logSoftmax(tf.div(student, tau)); // [..., V]
    return tf.mul(tf.mean(tf.sum(tf.mul(tf.exp(lt), tf.sub(lt, ls)), -1)), tau * tau) as tf.Scalar;
  });
}

/**
 * Distillation loss τ²·mean_rows KL(softmax(teacher/τ) || softmax(student/τ)) for logits [..., V]; differentiable
 * w.r.t. the student only. Native single pass on the `native` backend, tfjs ops elsewhere.
 * @example const loss = klDivLogits(teacherLogits, studentLogits); // tf.Scalar
 */
export function klDivLogits(teacher: tf.Tensor, student: tf.Tensor, options: Partial<KlDivOptions> = {}): tf.Scalar {
  const { temperature: tau } = { ...DEFAULT_KL_DIV_OPTIONS, ...options };
  if (teacher.shape.length === 0 || teacher.shape.join(',') !== student.shape.join(',')) {
    throw new FusedOpError(`backend/fused_ops.ts klDivLogits: teacher [${teacher.shape}] and student [${student.shape}] logits must have the same shape [..., V]`);
  }
  if (!(tau > 0)) throw new FusedOpError(`backend/fused_ops.ts klDivLogits: temperature ${tau}, expected > 0`);
  const addon = loadNativeAddon().addon;
  const native = addon && tf.getBackend() === 'cpu' && nativeKernelsInstalled() && teacher.dtype === 'float32' && student.dtype === 'float32';
  if (!native) return klReference(teacher, student, tau);
  const V = student.shape[student.shape.length - 1];
  const rows = student.size / V;
  const f = tf.customGrad(((s: tf.Tensor, save: tf.GradSaveFunc) => {
    const tv = cpuValues(teacher), sv = cpuValues(s);
    if (!tv || !sv) throw new FusedOpError('backend/fused_ops.ts klDivLogits: logits are not float32 cpu tensors');
    const loss = new Float32Array(rows), grad = new Float32Array(sv.length);
    addon.klRows(tv, sv, V, 1 / tau, loss, grad);
    const g = tf.tensor(grad, s.shape, 'float32'); // [..., V]: q - p
    save([g]);
    const lossT = tf.tensor1d(loss);
    const value = tf.mul(tf.mean(lossT), tau * tau) as tf.Scalar;
    lossT.dispose();
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0], tf.mul(dy, tau / rows)) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(student) as tf.Scalar;
}
