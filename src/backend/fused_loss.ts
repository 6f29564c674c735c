/**
 * Fused lm_head + distillation loss: student hidden states [N, D] × lm_head [V, D] → forward KL against the teacher
 * at temperature τ (×τ²) and next-token cross-entropy, without materialising the student's [N, V] logits (native:
 * row blocks × vocabulary chunks with running log-sum-exps; gradients of h and w made in the same call).
 * Other backends (or MINITRON_FUSED=0) run the same math in plain tfjs ops, the reference the tests compare against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bufferPool } from './buffer_pool.js';
import { FusedOpError, float32Values } from './fused_ops.js';
import { nativeFor } from './fused_layers.js';

/**
 * What the student is distilled against: live teacher logits [..., V], or a cached top-k teacher (its k largest
 * logits and their ids [N, K], and the log-sum-exp over the whole vocabulary [N]; τ = 1 only), whose KL is the one
 * between the (k + 1)-outcome distributions "each of the k tokens, or the rest" (topKBucketKl).
 */
export type LinearLossTeacher =
  | { kind: 'logits'; logits: tf.Tensor }
  | { kind: 'topk'; values: tf.Tensor2D; indices: tf.Tensor2D; lse: tf.Tensor1D };

/** x[r, idx[r, k]] for every row r and k: x [N, V], idx [N, K] int32 → [N, K]. @example gatherRows(logProbs, topIds) */
export function gatherRows(x: tf.Tensor2D, idx: tf.Tensor2D): tf.Tensor2D {
  const [n, v] = x.shape;
  const k = idx.shape[1];
  const offsets = tf.reshape(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(v, 'int32')), [n, 1]); // [N, 1]
  const flatIdx = tf.reshape(tf.add(idx, offsets), [n * k]); // [N*K]
  return tf.reshape(tf.gather(tf.reshape(x, [n * v]), flatIdx), [n, k]) as tf.Tensor2D; // [N, K]
}

const EPS = 1e-12;

/**
 * Mean over rows of KL(teacher ‖ student) between the (k + 1)-outcome distributions "each of the teacher's top k
 * tokens, or the rest": teacher log-probabilities values − lse at the ids, the student's from logits [N, V] (τ = 1).
 * Exact forward KL when k = V; otherwise a lower bound of it. The reference of the fused top-k path.
 * @example topKBucketKl(values, ids, lse, studentLogits) // scalar
 */
export function topKBucketKl(values: tf.Tensor2D, indices: tf.Tensor2D, lse: tf.Tensor1D, logits: tf.Tensor2D): tf.Scalar {
  const n = logits.shape[0];
  return tf.tidy(() => {
    const ls = tf.logSoftmax(logits) as tf.Tensor2D; // [N, V]
    const lsK = gatherRows(ls, indices); // [N, K] student log-probs at the teacher's top k
    const lp = tf.sub(values, tf.reshape(lse, [n, 1])); // [N, K] teacher log-probs
    const p = tf.exp(lp); // [N, K]
    const pRest = tf.relu(tf.sub(1, tf.sum(p, -1))); // [N]
    const qRest = tf.maximum(tf.sub(1, tf.sum(tf.exp(lsK), -1)), EPS); // [N]
    const head = tf.sum(tf.mul(p, tf.sub(lp, lsK)), -1); // [N]
    const tail = tf.mul(pRest, tf.sub(tf.log(tf.maximum(pRest, EPS)), tf.log(qRest))); // [N]
    return tf.mean(tf.add(head, tail)) as tf.Scalar;
  });
}

/** Options of linearDistillLoss. */
export interface LinearLossOptions {
  /** Softmax temperature τ of the KL term (the KL is multiplied by τ²); CE always uses τ = 1. */
  temperature: number;
  /** Weight of the KL term in `total` (its value is returned whenever a teacher is given). */
  klWeight: number;
  /** Weight of the CE term in `total` (its value is returned whenever targets are given). */
  ceWeight: number;
  /** Rows per block of the native kernel. */
  rowBlock: number;
  /** Vocabulary entries per chunk of the native kernel (0: the whole vocabulary, one logit tile per row block). */
  vocabChunk: number;
}

/** Defaults: τ = 1, KL only; 256-row blocks over the whole vocabulary (≈ 50 MB tiles for 49K tokens). */
export const DEFAULT_LINEAR_LOSS_OPTIONS: LinearLossOptions = { temperature: 1, klWeight: 1, ceWeight: 0, rowBlock: 256, vocabChunk: 0 };

/** total = klWeight·kl + ceWeight·ce (differentiable w.r.t. h and w); kl / ce are null when their input is absent. */
export interface LinearLoss {
  total: tf.Scalar;
  kl: tf.Scalar | null;
  ce: tf.Scalar | null;
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

function checkTopK(where: string, t: Extract<LinearLossTeacher, { kind: 'topk' }>, n: number, temperature: number): void {
  const [vn, k] = t.values.shape;
  if (vn !== n || !(k >= 1) || t.indices.dtype !== 'int32' || t.indices.shape[0] !== n || t.indices.shape[1] !== k || t.lse.shape[0] !== n) {
    throw new FusedOpError(`${where}: a top-k teacher needs values [${n}, K], int32 indices [${n}, K] and lse [${n}], got values [${t.values.shape}], indices ${t.indices.dtype} [${t.indices.shape}], lse [${t.lse.shape}]`);
  }
  if (temperature !== 1) throw new FusedOpError(`${where}: a top-k teacher cache holds τ = 1 statistics; temperature ${temperature} needs live teacher logits`);
}

function check(h: tf.Tensor, w: tf.Tensor, teacher: LinearLossTeacher | null, targets: tf.Tensor | null, o: LinearLossOptions): void {
  const where = 'backend/fused_loss.ts linearDistillLoss';
  const D = h.shape[h.rank - 1], N = h.size / (D || 1);
  if (h.rank < 2 || w.rank !== 2 || w.shape[1] !== D) throw new FusedOpError(`${where}: hidden [${h.shape}] must be [..., D] and lm_head [${w.shape}] [V, D] with the same D`);
  const V = w.shape[0];
  if (teacher?.kind === 'logits' && (teacher.logits.size !== N * V || teacher.logits.shape[teacher.logits.rank - 1] !== V)) {
    throw new FusedOpError(`${where}: teacher logits [${teacher.logits.shape}] must be [..., ${V}] with ${N} rows like hidden [${h.shape}]`);
  }
  if (teacher?.kind === 'topk') checkTopK(where, teacher, N, o.temperature);
  if (targets !== null && (targets.dtype !== 'int32' || targets.size !== N)) throw new FusedOpError(`${where}: targets must be int32 with ${N} entries (one per hidden row, < 0 = none), got ${targets.dtype} [${targets.shape}]`);
  if (teacher === null && targets === null) throw new FusedOpError(`${where}: give teacher logits, targets, or both`);
  if (!(o.temperature > 0) || !Number.isFinite(o.temperature)) throw new FusedOpError(`${where}: temperature ${o.temperature}, expected a finite number > 0`);
  if (!(o.rowBlock >= 1) || !(o.vocabChunk >= 0)) throw new FusedOpError(`${where}: rowBlock ${o.rowBlock} must be >= 1 and vocabChunk ${o.vocabChunk} >= 0`);
}

/** The same loss with plain tfjs ops (logits materialised): the fallback and the tests' reference. */
export function linearDistillLossReference(h: tf.Tensor, w: tf.Tensor, teacher: LinearLossTeacher | null, targets: tf.Tensor | null, options: Partial<LinearLossOptions> = {}): LinearLoss {
  const o = { ...DEFAULT_LINEAR_LOSS_OPTIONS, ...options };
  check(h, w, teacher, targets, o);
  const tau = o.temperature, [V, D] = w.shape as [number, number];
  return tf.tidy(() => {
    const s = tf.matMul(tf.reshape(h, [h.size / D, D]), w, false, true); // [N, V]
    let kl: tf.Scalar | null = null, ce: tf.Scalar | null = null;
    const terms: tf.Scalar[] = [];
    if (teacher?.kind === 'logits') {
      const lt = tf.logSoftmax(tf.div(tf.reshape(teacher.logits, s.shape), tau)), ls = tf.logSoftmax(tf.div(s, tau)); // [N, V]
      kl = tf.mul(tf.mean(tf.sum(tf.mul(tf.exp(lt), tf.sub(lt, ls)), -1)), tau * tau) as tf.Scalar;
    }
    if (teacher?.kind === 'topk') kl = topKBucketKl(teacher.values, teacher.indices, teacher.lse, s as tf.Tensor2D);
    if (kl !== null) terms.push(tf.mul(kl, o.klWeight));
    if (targets !== null) {
      const N = s.shape[0], tg = tf.reshape(targets, [N]); // [N]
      const valid = tf.cast(tf.greaterEqual(tg, tf.scalar(0, 'int32')), 'float32'); // [N]
      const flat = tf.add(tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(V, 'int32')), tf.maximum(tg, tf.scalar(0, 'int32'))); // [N]
      const picked = tf.gather(tf.reshape(tf.logSoftmax(s), [N * V]), flat); // [N]
      ce = tf.div(tf.neg(tf.sum(tf.mul(picked, valid))), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
      terms.push(tf.mul(ce, o.ceWeight));
    }
    return { total: tf.addN(terms) as tf.Scalar, kl, ce } as unknown as tf.TensorContainer;
  }) as unknown as LinearLoss;
}

function isTapeOn(): boolean {
  const e = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return typeof e.isTapeOn === 'function' ? e.isTapeOn() : true;
}

/**
 * klWeight·τ²·mean KL(softmax(teacher/τ) ‖ softmax(h·wᵀ/τ)) + ceWeight·mean CE(h·wᵀ, targets) over the rows of
 * h [..., D] with lm_head w [V, D] (torch Linear layout; the tied embedding works too). targets: int32, one per
 * row, < 0 = no CE term for that row. Differentiable w.r.t. h and w; the teacher is a constant.
 * @example const { total, kl } = linearDistillLoss(hidden, lmHead, { kind: 'logits', logits: teacherLogits }, null, { temperature: 2 });
 */
export function linearDistillLoss(h: tf.Tensor, w: tf.Tensor, teacher: LinearLossTeacher | null, targets: tf.Tensor | null, options: Partial<LinearLossOptions> = {}): LinearLoss {
  const o = { ...DEFAULT_LINEAR_LOSS_OPTIONS, ...options };
  check(h, w, teacher, targets, o);
  const teacherFloats = teacher === null ? [] : teacher.kind === 'logits' ? [teacher.logits] : [teacher.values, teacher.lse];
  const addon = nativeFor(h, w, ...teacherFloats);
  if (!addon || h.size === 0) return linearDistillLossReference(h, w, teacher, targets, o);
  const tg = targets ? Int32Array.from(targets.dataSync() as Int32Array) : null;
  const [V, D] = w.shape as [number, number];
  const parts = new Float32Array(2);
  const chunk = o.vocabChunk === 0 ? V : o.vocabChunk;
  const kernel = teacher?.kind === 'topk'
    ? ((hv: Float32Array, wv: Float32Array, dh: Float32Array | null, dw: Float32Array | null) => addon.linearLossTopK(hv, wv,
      float32Values(teacher.values)!, Int32Array.from(teacher.indices.dataSync() as Int32Array), float32Values(teacher.lse)!, tg,
      o.klWeight, o.ceWeight, o.rowBlock, chunk, parts, dh, dw))
    : ((hv: Float32Array, wv: Float32Array, dh: Float32Array | null, dw: Float32Array | null) => addon.linearLoss(hv, wv,
      teacher ? float32Values(teacher.logits) : null, tg, D, 1 / o.temperature, o.klWeight, o.ceWeight, o.rowBlock, chunk, parts, dh, dw));
  const grads = isTapeOn(); // checked here: inside the custom op the engine reports no tape
  const f = tf.customGrad(((hi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
    const dh = grads ? bufferPool().take(hi.size) : null, dw = grads ? bufferPool().take(wi.size) : null;
    kernel(float32Values(hi)!, float32Values(wi)!, dh, dw);
    if (dh && dw) save([tf.tensor(dh, hi.shape, 'float32'), tf.tensor(dw, wi.shape, 'float32')]);
    const total = (teacher ? o.klWeight * parts[0] : 0) + (targets ? o.ceWeight * parts[1] : 0);
    return {
      value: tf.scalar(total),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => saved.map((g) => tf.mul(g, dy)),
    };
  }) as unknown as CustomFn);
  const total = f(h, w) as tf.Scalar;
  return { total, kl: teacher ? tf.scalar(parts[0]) : null, ce: targets ? tf.scalar(parts[1]) : null };
}
