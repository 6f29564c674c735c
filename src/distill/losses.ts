/**
 * Distillation losses: logit KL (forward, reverse, top-k) at a temperature, cross-entropy, and
 * intermediate-state losses through a learned student→teacher projection. All return mean scalars
 * over positions and are differentiable w.r.t. the student inputs (teacher inputs are treated as constants).
 */
import { MinitronError } from '../errors.js';
import * as tf from '@tensorflow/tfjs-core';
import '../backend/gradients.js';
import { klDivLogits } from '../backend/fused_ops.js';
import { gatherRows } from '../backend/fused_loss.js';
import { nllFromLogits } from '../eval/nll.js';
import { LOSS_TERMS, LOSS_TERM_NAMES, type LossTerm } from '../types.js';

/** Raised when loss inputs have wrong shapes, dtypes or options. */
export class DistillLossError extends MinitronError {
}

/**
 * Logit losses between teacher and student, with their CLI help text (defined below, after the functions).
 * @example Object.keys(LOGIT_LOSSES) // ['forward_kl', 'reverse_kl', 'topk_kl']
 */
export type LogitLossKind = keyof typeof LOGIT_LOSSES;

/**
 * Intermediate-state distances with their CLI help text.
 * @example Object.keys(STATE_LOSSES).join('|') // 'cosine|mse'
 */
export const STATE_LOSSES = {
  cosine: 'mean (1 - cos) over positions',
  mse: 'mean squared error over elements',
} as const;

/** Intermediate-state distance. */
export type StateLossKind = keyof typeof STATE_LOSSES;

/** Options of the logit losses. */
export interface LogitLossOptions {
  /** Softmax temperature τ (the loss is multiplied by τ²). */
  temperature: number;
  /** Number of teacher tokens kept by 'topk_kl'. */
  topK: number;
}

/** Defaults: τ = 1 (best in Minitron), top-k 64. */
export const DEFAULT_LOGIT_LOSS_OPTIONS: LogitLossOptions = { temperature: 1, topK: 64 };

function flat2d(x: tf.Tensor, what: string): tf.Tensor2D {
  if (x.rank < 2) throw new DistillLossError(`losses: ${what} must have rank >= 2 [..., V], got shape [${x.shape}]`);
  const v = x.shape[x.rank - 1];
  return tf.reshape(x, [x.size / v, v]) as tf.Tensor2D; // [N, V]
}

function checkPair(t: tf.Tensor, s: tf.Tensor, what: string): void {
  if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
    throw new DistillLossError(`losses: ${what} teacher shape [${t.shape}] and student shape [${s.shape}] must match`);
  }
}

/** logits / τ, without a copy when τ = 1 (vocab-sized tensors are large). */
function temper(x: tf.Tensor2D, tau: number): tf.Tensor2D {
  return tau === 1 ? x : (tf.div(x, tau) as tf.Tensor2D);
}

function checkTemperature(tau: number): void {
  if (!(tau > 0) || !Number.isFinite(tau)) throw new DistillLossError(`losses: temperature must be a finite number > 0, got ${tau}`);
}

/** Identity whose gradient is zero: the value is used as a constant by the backward pass.
 * @example const c = stopGradient(tf.scalar(2)); */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor;
    return { value: tf.clone(a), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
  });
  return f(x) as T;
}

/**
 * Forward KL(p_teacher ‖ p_student) at temperature τ, times τ², averaged over positions.
 * @example const l = forwardKl(teacherLogits, studentLogits, { temperature: 1 }); // scalar
 */
export function forwardKl(teacherLogits: tf.Tensor, studentLogits: tf.Tensor, opts: Partial<LogitLossOptions> = {}): tf.Scalar {
  const { temperature: tau } = { ...DEFAULT_LOGIT_LOSS_OPTIONS, ...opts };
  checkTemperature(tau);
  checkPair(teacherLogits, studentLogits, 'forwardKl logits');
  if (teacherLogits.rank < 2) throw new DistillLossError(`losses: teacher logits must have rank >= 2 [..., V], got shape [${teacherLogits.shape}]`);
  // One fused pass per row on the native backend (the same formula in tfjs ops elsewhere); teacher is a constant.
  return klDivLogits(teacherLogits, studentLogits, { temperature: tau });
}

/**
 * Reverse KL(p_student ‖ p_teacher) at temperature τ, times τ², averaged over positions.
 * @example const l = reverseKl(teacherLogits, studentLogits); // scalar
 */
export function reverseKl(teacherLogits: tf.Tensor, studentLogits: tf.Tensor, opts: Partial<LogitLossOptions> = {}): tf.Scalar {
  const { temperature: tau } = { ...DEFAULT_LOGIT_LOSS_OPTIONS, ...opts };
  checkTemperature(tau);
  checkPair(teacherLogits, studentLogits, 'reverseKl logits');
  return tf.tidy(() => {
    const lt = tf.logSoftmax(temper(flat2d(teacherLogits, 'teacher logits'), tau)); // [N, V]
    const ls = tf.logSoftmax(temper(flat2d(studentLogits, 'student logits'), tau)); // [N, V]
    const kl = tf.sum(tf.mul(tf.exp(ls), tf.sub(ls, lt)), -1); // [N]
    return tf.mul(tf.mean(kl), tau * tau) as tf.Scalar;
  });
}

/**
 * Top-k KL: the teacher distribution is restricted to its k most likely tokens and renormalised;
 * the student keeps its full-vocabulary log-probabilities at those tokens. Equals forwardKl when k = V.
 * @example const l = topKKl(teacherLogits, studentLogits, { topK: 32 }); // scalar
 */
export function topKKl(teacherLogits: tf.Tensor, studentLogits: tf.Tensor, opts: Partial<LogitLossOptions> = {}): tf.Scalar {
  const { temperature: tau, topK } = { ...DEFAULT_LOGIT_LOSS_OPTIONS, ...opts };
  checkTemperature(tau);
  checkPair(teacherLogits, studentLogits, 'topKKl logits');
  const v = teacherLogits.shape[teacherLogits.rank - 1];
  if (!Number.isInteger(topK) || topK < 1 || topK > v) throw new DistillLossError(`losses: topK must be an integer in [1, ${v}], got ${topK}`);
  return tf.tidy(() => {
    const t = temper(flat2d(teacherLogits, 'teacher logits'), tau); // [N, V]
    const { values, indices } = tf.topk(t, topK); // [N, K], [N, K]
    const lt = tf.logSoftmax(values); // [N, K] renormalised over the top k
    const ls = tf.logSoftmax(temper(flat2d(studentLogits, 'student logits'), tau)) as tf.Tensor2D; // [N, V]
    const lsK = gatherRows(ls, indices as tf.Tensor2D); // [N, K]
    const kl = tf.sum(tf.mul(tf.exp(lt), tf.sub(lt, lsK)), -1); // [N]
    return tf.mul(tf.mean(kl), tau * tau) as tf.Scalar;
  });
}

/** A logit loss: teacher logits [..., V], student logits [..., V] -> mean scalar. */
export type LogitLossFn = (teacherLogits: tf.Tensor, studentLogits: tf.Tensor, opts?: Partial<LogitLossOptions>) => tf.Scalar;

/**
 * The logit losses: what each computes (usage text) and its function.
 * @example LOGIT_LOSSES.topk_kl.fn(teacherLogits, studentLogits, { topK: 32 })
 */
export const LOGIT_LOSSES = {
  forward_kl: { help: 'KL(teacher || student)', fn: forwardKl },
  reverse_kl: { help: 'KL(student || teacher)', fn: reverseKl },
  topk_kl: { help: 'KL over the teacher\'s top-k tokens (--top-k)', fn: topKKl },
} as const satisfies Record<string, { help: string; fn: LogitLossFn }>;

/**
 * Logit loss by kind.
 * @example const l = logitLoss('forward_kl', tLogits, sLogits, { temperature: 2 });
 */
export function logitLoss(kind: LogitLossKind, teacherLogits: tf.Tensor, studentLogits: tf.Tensor, opts: Partial<LogitLossOptions> = {}): tf.Scalar {
  const entry = Object.hasOwn(LOGIT_LOSSES, kind) ? LOGIT_LOSSES[kind] : undefined;
  if (!entry) throw new DistillLossError(`losses: unknown logit loss kind '${String(kind)}' (expected ${Object.keys(LOGIT_LOSSES).join(' | ')})`);
  return entry.fn(teacherLogits, studentLogits, opts);
}

/**
 * Mean cross-entropy of logits [..., V] against int32 targets [...] (the shared gather-based NLL of eval/nll.ts).
 * @example const l = crossEntropy(logits, tf.tensor1d([3, 1], 'int32')); // logits [2, V]
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  if (targets.dtype !== 'int32') throw new DistillLossError(`losses: crossEntropy targets must be int32, got ${targets.dtype}`);
  const lead = logits.shape.slice(0, -1);
  if (lead.length !== targets.rank || lead.some((d, i) => d !== targets.shape[i])) {
    throw new DistillLossError(`losses: crossEntropy targets shape [${targets.shape}] must equal logits shape without its last axis [${lead}]`);
  }
  return tf.tidy(() => tf.mean(nllFromLogits(logits, targets)) as tf.Scalar);
}

/**
 * Intermediate-state loss between a student state [..., Ds] projected by W [Dt, Ds] (torch Linear layout)
 * and a teacher state [..., Dt]: 'cosine' = mean(1 − cos) over positions, 'mse' = mean squared error over elements.
 * @example const l = stateLoss(sState, tState, proj, 'cosine'); // sState [B,T,Ds], tState [B,T,Dt], proj [Dt,Ds]
 */
export function stateLoss(student: tf.Tensor, teacher: tf.Tensor, proj: tf.Tensor | null, kind: StateLossKind = 'cosine'): tf.Scalar {
  const ds = student.shape[student.rank - 1];
  const dt = teacher.shape[teacher.rank - 1];
  if (student.size / ds !== teacher.size / dt) {
    throw new DistillLossError(`losses: stateLoss student [${student.shape}] and teacher [${teacher.shape}] must have the same positions`);
  }
  if (proj === null && ds !== dt) throw new DistillLossError(`losses: stateLoss widths differ (student ${ds}, teacher ${dt}) and no projection was given`);
  if (proj !== null && (proj.rank !== 2 || proj.shape[0] !== dt || proj.shape[1] !== ds)) {
    throw new DistillLossError(`losses: stateLoss projection must be [${dt}, ${ds}] (teacher width, student width), got [${proj.shape}]`);
  }
  return tf.tidy(() => {
    const s2 = tf.reshape(student, [student.size / ds, ds]); // [N, Ds]
    const t2 = tf.reshape(teacher, [teacher.size / dt, dt]); // [N, Dt]
    const p = proj === null ? s2 : tf.matMul(s2, proj, false, true); // [N, Dt]
    if (kind === 'mse') return tf.mean(tf.square(tf.sub(p, t2))) as tf.Scalar;
    if (kind !== 'cosine') throw new DistillLossError(`losses: unknown state loss kind '${String(kind)}' (expected ${Object.keys(STATE_LOSSES).join(' | ')})`);
    const eps = 1e-8;
    const dot = tf.sum(tf.mul(p, t2), -1); // [N]
    const np = tf.sqrt(tf.add(tf.sum(tf.square(p), -1), eps)); // [N]
    const nt = tf.sqrt(tf.add(tf.sum(tf.square(t2), -1), eps)); // [N]
    return tf.mean(tf.sub(1, tf.div(dot, tf.mul(np, nt)))) as tf.Scalar;
  });
}

/** Weights of the combined objective L = Σ weight·term over LOSS_TERMS (ce·L_CE + kl·L_logits + is·L_is). */
export type LossWeights = Record<LossTerm, number>;

/** Default weights, from LOSS_TERMS: logit KL only (as in 2408.11796). @example DEFAULT_LOSS_WEIGHTS // { kl: 1, ce: 0, is: 0 } */
export const DEFAULT_LOSS_WEIGHTS: LossWeights = Object.fromEntries(LOSS_TERM_NAMES.map((t) => [t, LOSS_TERMS[t].defaultWeight])) as LossWeights;

/**
 * Training modes and the loss weights each starts from (options merge over them).
 * @example DISTILL_MODES.ce.weights // { kl: 0, ce: 1, is: 0 }
 */
export const DISTILL_MODES = {
  kd: { help: 'distil the student from the teacher', weights: DEFAULT_LOSS_WEIGHTS },
  ce: { help: 'fine-tune on the data with cross-entropy only (no teacher)', weights: Object.fromEntries(LOSS_TERM_NAMES.map((t) => [t, t === 'ce' ? 1 : 0])) as LossWeights },
} as const satisfies Record<string, { help: string; weights: LossWeights }>;

/** A training mode. */
export type DistillMode = keyof typeof DISTILL_MODES;

/** Options of the combined distillation loss. */
export interface CombinedLossOptions extends LogitLossOptions {
  weights: LossWeights;
  logitLoss: LogitLossKind;
  stateLoss: StateLossKind;
  /** Rescale L_is (as a constant factor) so that it equals the logit loss in magnitude before weighting (ModelOpt's loss balancer). */
  scaleIsToLogits: boolean;
}

/** Defaults: logit KL only (as in 2408.11796), cosine states, no balancing. */
export const DEFAULT_COMBINED_LOSS_OPTIONS: CombinedLossOptions = {
  ...DEFAULT_LOGIT_LOSS_OPTIONS,
  weights: DEFAULT_LOSS_WEIGHTS,
  logitLoss: 'forward_kl',
  stateLoss: 'cosine',
  scaleIsToLogits: false,
};

/** Options a caller gives combinedLoss: any subset, weights included (merged over DEFAULT_COMBINED_LOSS_OPTIONS). */
export type CombinedLossArgs = Partial<Omit<CombinedLossOptions, 'weights'>> & { weights?: Partial<LossWeights> };

/** Inputs of the combined loss; teacher tensors may be null when their term has weight 0. */
export interface CombinedLossInputs {
  studentLogits: tf.Tensor; // [B, T, V]
  teacherLogits: tf.Tensor | null; // [B, T, V]
  /** Next-token targets for CE, same leading shape as the logits they are applied to. */
  targets: tf.Tensor | null; // [B, T-1] int32
  /** Student / teacher state pairs and the projection for each (null when widths match and no projection is wanted). */
  states: { student: tf.Tensor; teacher: tf.Tensor; proj: tf.Tensor | null }[];
}

/** The parts of a combined loss (scalars, null where not computed; total is what to differentiate). */
export type CombinedLoss = { total: tf.Scalar } & Record<LossTerm, tf.Scalar | null>;

/** How each loss term is computed: whether it is needed for these options, and its value given the terms before it. */
interface TermImpl {
  needed(o: CombinedLossOptions): boolean;
  compute(inp: CombinedLossInputs, o: CombinedLossOptions, before: Partial<Record<LossTerm, tf.Scalar | null>>): tf.Scalar;
}

const TERM_IMPLS: Record<LossTerm, TermImpl> = {
  kl: {
    needed: (o) => o.weights.kl !== 0 || (o.weights.is !== 0 && o.scaleIsToLogits),
    compute: (inp, o) => {
      if (inp.teacherLogits === null) throw new DistillLossError('losses: combinedLoss weights.kl != 0 needs teacherLogits');
      return logitLoss(o.logitLoss, inp.teacherLogits, inp.studentLogits, o);
    },
  },
  ce: {
    needed: (o) => o.weights.ce !== 0,
    compute: (inp) => {
      if (inp.targets === null) throw new DistillLossError('losses: combinedLoss weights.ce != 0 needs targets');
      const s = inp.studentLogits as tf.Tensor3D;
      const sl = s.rank === 3 ? tf.slice(s, [0, 0, 0], [s.shape[0], s.shape[1] - 1, s.shape[2]]) : s; // [B, T-1, V]
      return crossEntropy(sl, inp.targets);
    },
  },
  is: {
    needed: (o) => o.weights.is !== 0,
    compute: (inp, o, before) => stateTerm(inp.states, o, before.kl ?? null),
  },
};

/**
 * The intermediate-state term: the state losses of every pair summed, rescaled (as a constant factor) to the logit
 * loss `kl` when `scaleIsToLogits`.
 * @example const is = stateTerm(pairs, { ...DEFAULT_COMBINED_LOSS_OPTIONS, scaleIsToLogits: true }, kl);
 */
export function stateTerm(states: CombinedLossInputs['states'], o: Pick<CombinedLossOptions, 'stateLoss' | 'scaleIsToLogits'>, kl: tf.Scalar | null): tf.Scalar {
  if (states.length === 0) throw new DistillLossError('losses: combinedLoss weights.is != 0 needs at least one state pair');
  const is = tf.addN(states.map((p) => stateLoss(p.student, p.teacher, p.proj, o.stateLoss))) as tf.Scalar;
  if (!o.scaleIsToLogits || kl === null) return is;
  return tf.mul(is, stopGradient(tf.div(kl, tf.maximum(is, 1e-12)))) as tf.Scalar; // constant factor
}

/**
 * Combined distillation objective; CE uses logits[:, :-1] against targets. Caller disposes the returned scalars.
 * @example const { total } = combinedLoss({ studentLogits, teacherLogits, targets: null, states: [] });
 */
export function combinedLoss(inp: CombinedLossInputs, opts: CombinedLossArgs = {}): CombinedLoss {
  const o = { ...DEFAULT_COMBINED_LOSS_OPTIONS, ...opts, weights: { ...DEFAULT_COMBINED_LOSS_OPTIONS.weights, ...opts.weights } };
  return tf.tidy(() => {
    const parts: Partial<Record<LossTerm, tf.Scalar | null>> = {};
    const terms: tf.Scalar[] = [];
    for (const t of LOSS_TERM_NAMES) {
      const part = TERM_IMPLS[t].needed(o) ? TERM_IMPLS[t].compute(inp, o, parts) : null;
      parts[t] = part;
      if (part !== null && o.weights[t] !== 0) terms.push(tf.mul(part, o.weights[t]));
    }
    if (terms.length === 0) throw new DistillLossError(`losses: combinedLoss all loss weights (${LOSS_TERM_NAMES.join(', ')}) are 0`);
    return { total: tf.addN(terms) as tf.Scalar, ...parts } as unknown as tf.TensorContainer;
  }) as unknown as CombinedLoss;
}
