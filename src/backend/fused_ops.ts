/**
 * Fused ops with a native fast path: the distillation logit loss KL(p_teacher || p_student) computed row by row
 * in one pass (no [N, V] temporaries besides the saved gradient). Falls back to plain tfjs ops elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon, type NativeAddon } from './native_addon.js';
import { nativeKernelsInstalled } from './native_kernels.js';
import { bufferPool } from './buffer_pool.js';

/** Options of klDivLogits. */
export interface KlDivOptions { temperature: number }
/** Defaults: temperature 1 (the Minitron setting). */
export const DEFAULT_KL_DIV_OPTIONS: KlDivOptions = { temperature: 1 };

/** Bad arguments to a fused op. */
export class FusedOpError extends Error {
  override name = 'FusedOpError';
}

/** The cpu backend's float32 storage of t (read it, do not keep it), or null. @example float32Values(x)?.length */
export function float32Values(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = (tf.backend() as unknown as MathBackendCPU).data?.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

/**
 * The addon when every tensor lives as float32 on the native-kernel cpu backend; else null (use tfjs ops).
 * @example const addon = nativeAddonFor(p, g); if (addon) addon.adamw(...);
 */
export function nativeAddonFor(...ts: tf.Tensor[]): NativeAddon | null {
  const addon = loadNativeAddon().addon;
  if (!addon || tf.getBackend() !== 'cpu' || !nativeKernelsInstalled()) return null;
  return ts.every((t) => float32Values(t) !== null) ? addon : null;
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
  const addon = nativeAddonFor(teacher, student);
  if (!addon) return klReference(teacher, student, tau);
  const V = student.shape[student.shape.length - 1];
  const rows = student.size / V;
  const f = tf.customGrad(((s: tf.Tensor, save: tf.GradSaveFunc) => {
    const tv = float32Values(teacher), sv = float32Values(s);
    if (!tv || !sv) throw new FusedOpError('backend/fused_ops.ts klDivLogits: logits are not float32 cpu tensors');
    const loss = new Float32Array(rows), grad = bufferPool().take(sv.length);
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

/** Hyper-parameters of one AdamW update (torch.optim.AdamW semantics). */
export interface AdamWHyper { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; /** 1-based step count */ step: number }
/** torch.optim.AdamW defaults (lr and step must be given). */
export const DEFAULT_ADAMW_HYPER: Omit<AdamWHyper, 'lr' | 'step'> = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/**
 * One AdamW update of variable p with gradient g and moment variables m, v (all assigned new values). One native
 * pass on the `native` backend (instead of ~10 tensor ops), tfjs ops elsewhere. Same arithmetic as torch.optim.AdamW.
 * @example fusedAdamW(p, grads[p.name], m, v, { lr: 1e-3, step: 1 });
 */
export function fusedAdamW(p: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, hyper: Partial<AdamWHyper> & { lr: number; step: number }): void {
  const h = { ...DEFAULT_ADAMW_HYPER, ...hyper };
  for (const [name, t] of [['g', g], ['m', m], ['v', v]] as const) {
    if (t.shape.join(',') !== p.shape.join(',')) throw new FusedOpError(`backend/fused_ops.ts fusedAdamW: ${name} [${t.shape}] must match variable '${p.name}' [${p.shape}]`);
  }
  if (!(h.step >= 1)) throw new FusedOpError(`backend/fused_ops.ts fusedAdamW: step ${h.step}, expected >= 1`);
  const addon = nativeAddonFor(p, g, m, v);
  if (addon) {
    const vals = [p, g, m, v].map(float32Values);
    const n = p.size;
    const pool = bufferPool();
    const po = pool.take(n), mo = pool.take(n), vo = pool.take(n);
    addon.adamw(vals[0]!, vals[1]!, vals[2]!, vals[3]!, po, mo, vo, h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.step);
    for (const [target, data] of [[p, po], [m, mo], [v, vo]] as const) {
      const t = tf.tensor(data, target.shape, 'float32');
      target.assign(t);
      t.dispose();
    }
    return;
  }
  tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, h.beta1), tf.mul(g, 1 - h.beta1));
    const v1 = tf.add(tf.mul(v, h.beta2), tf.mul(tf.square(g), 1 - h.beta2));
    const denom = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(1 - h.beta2 ** h.step)), h.eps);
    m.assign(m1);
    v.assign(v1);
    p.assign(tf.sub(tf.mul(p, 1 - h.lr * h.weightDecay), tf.mul(tf.div(m1, denom), h.lr / (1 - h.beta1 ** h.step))));
  });
}
