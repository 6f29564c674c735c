/**
 * One micro-batch of distillation: the teacher forward (no tape), the student forward + backward with
 * tf.variableGrads, and the loss parts as numbers. Tapped states are captured with tf.keep and freed here.
 * With the model's own forward and the forward KL, the student's lm_head and logit losses run fused
 * (backend/fused_loss.ts: the student's [B, T, V] logits are never materialised).
 */
import * as tf from '@tensorflow/tfjs-core';
import { LOSS_TERM_NAMES, type LossTerm, type ModelSpec, type Params } from '../types.js';
import { combinedLoss, crossEntropy, DEFAULT_COMBINED_LOSS_OPTIONS, DistillLossError, stateTerm, type CombinedLoss, type CombinedLossOptions } from './losses.js';
import { forward as modelForward, forwardHidden, lmHeadWeight } from '../model/forward.js';
import { linearDistillLoss, type LinearLossTeacher } from '../backend/fused_loss.js';
import { cachedKl, type CachedTeacher } from './cached_kl.js';

/** A tap point of the forward pass: tap name (e.g. 'block_out') and layer index (-1 for final_norm). */
export interface TapPoint {
  tap: string;
  layer: number;
}

/** A student/teacher state pair compared by the intermediate-state loss. */
export interface StatePair {
  student: TapPoint;
  teacher: TapPoint;
}

/** The forward pass the trainer calls (src/model/forward.ts has this signature). */
export type ForwardFn = (
  spec: ModelSpec,
  params: Params,
  ids: tf.Tensor2D,
  opts?: { onTap?: (name: any, layer: number, x: tf.Tensor) => void },
) => tf.Tensor3D;

import type { ModelLike } from '../types.js';
export type { ModelLike };

/** Result of one micro-batch: gradients by variable name (caller disposes) and the loss parts. */
export interface MicroResult extends Record<LossTerm, number | null> {
  grads: Record<string, tf.Tensor>;
  loss: number;
}

function capture(points: TapPoint[], into: (tf.Tensor | null)[]): (name: string, layer: number, x: tf.Tensor) => void {
  return (name, layer, x) => {
    points.forEach((p, i) => {
      if (p.tap === name && p.layer === layer && into[i] === null) into[i] = tf.keep(x);
    });
  };
}

/** [B, T, H, Dh] (attn_ctx) → [B, T, H*Dh]; other states unchanged. */
function flatHeads(x: tf.Tensor): tf.Tensor {
  return x.rank === 4 ? tf.reshape(x, [x.shape[0] as number, x.shape[1] as number, (x.shape[2] as number) * (x.shape[3] as number)]) : x;
}

/** Inputs of one micro-batch step. */
export interface MicroInputs {
  forward: ForwardFn;
  teacher: ModelLike | null;
  studentSpec: ModelSpec;
  vars: Record<string, tf.Variable>;
  /** Projection variables by pair index (names in `vars` too). */
  projNames: string[];
  states: StatePair[];
  ids: tf.Tensor2D; // [B, T] int32
  loss: CombinedLossOptions;
  /**
   * Fuse the student's lm_head with the logit losses (default true; MINITRON_FUSED=0 turns it off). Used only when
   * `forward` is the model's own forward and the logit loss is 'forward_kl' (or has weight 0); same values and gradients.
   */
  fusedLoss?: boolean;
  /** The teacher from a cache (src/distill/teacher_cache.ts) for these ids, used instead of a live teacher forward. */
  cached?: CachedTeacher | null;
}

/** Whether the fused lm_head + loss kernel can stand in for the student's logits here (the model's own forward, no soft-cap). */
function fusedPossible(inp: MicroInputs): boolean {
  // the fused lm_head + loss kernel cannot soft-cap logits (gemma final_logit_softcapping): such students take the plain path
  return (inp.fusedLoss ?? true) && process.env.MINITRON_FUSED !== '0' && inp.forward === modelForward &&
    inp.studentSpec.finalLogitSoftcap === undefined;
}

/** Whether microStep takes the fused lm_head + loss path for these inputs. @example usesFusedLoss(inp) // true */
export function usesFusedLoss(inp: MicroInputs): boolean {
  const o = inp.loss, w = o.weights;
  if (inp.cached) return fusedPossible(inp) && (w.kl !== 0 || w.ce !== 0); // the cached KL has one form whatever logitLoss says
  const logitsUsed = w.ce !== 0 || w.kl !== 0 || (w.is !== 0 && o.scaleIsToLogits);
  return fusedPossible(inp) && logitsUsed && (o.logitLoss === 'forward_kl' || (w.kl === 0 && !(w.is !== 0 && o.scaleIsToLogits)));
}

/** Next-token targets of ids [B, T] for every position, −1 at the last one (no target): [B*T] int32. */
function nextTokenTargets(ids: tf.Tensor2D): tf.Tensor1D {
  const [b, t] = ids.shape;
  const v = ids.dataSync() as Int32Array, out = new Int32Array(b * t);
  for (let i = 0; i < b * t; i++) out[i] = i % t === t - 1 ? -1 : (v[i + 1] as number);
  return tf.tensor1d(out, 'int32'); // [B*T]
}

/** The state pairs compared by the intermediate-state loss, from the tapped tensors. */
function statePairs(inp: MicroInputs, sStates: (tf.Tensor | null)[], tStates: (tf.Tensor | null)[]): CombinedLossInputsStates {
  return inp.states.map((_, i) => {
    const s = sStates[i];
    const te = tStates[i];
    if (!s || !te) throw new DistillLossError(`distill: state pair ${i} was not tapped (student ${JSON.stringify(inp.states[i]?.student)}, teacher ${JSON.stringify(inp.states[i]?.teacher)})`);
    return { student: flatHeads(s), teacher: flatHeads(te), proj: inp.vars[inp.projNames[i] as string] as tf.Tensor };
  });
}
type CombinedLossInputsStates = { student: tf.Tensor; teacher: tf.Tensor; proj: tf.Tensor | null }[];

/** combinedLoss with the lm_head and logit losses fused (same parts; states as in combinedLoss); the teacher live or cached. */
function fusedCombinedLoss(inp: MicroInputs, params: Params, teacher: LinearLossTeacher | null, onTap: MicroTap, states: () => CombinedLossInputsStates): CombinedLoss {
  const o = { ...DEFAULT_COMBINED_LOSS_OPTIONS, ...inp.loss, weights: { ...DEFAULT_COMBINED_LOSS_OPTIONS.weights, ...inp.loss.weights } };
  const w = o.weights;
  const hidden = forwardHidden(inp.studentSpec, params, inp.ids, onTap ? { onTap } : {}); // [B, T, D]
  const needKl = w.kl !== 0 || (w.is !== 0 && o.scaleIsToLogits);
  if (needKl && teacher === null) throw new DistillLossError('losses: combinedLoss weights.kl != 0 needs teacherLogits');
  const targets = w.ce !== 0 ? nextTokenTargets(inp.ids) : null; // [B*T]
  const r = linearDistillLoss(hidden, lmHeadWeight(inp.studentSpec, params), needKl ? teacher : null,
    targets, { temperature: o.temperature, klWeight: w.kl, ceWeight: w.ce });
  targets?.dispose();
  if (w.is === 0) return { total: r.total, kl: w.kl !== 0 ? r.kl : null, ce: r.ce, is: null };
  const is = stateTerm(states(), o, r.kl);
  return { total: tf.add(r.total, tf.mul(is, w.is)) as tf.Scalar, kl: r.kl, ce: r.ce, is };
}
/** A cache holds τ = 1 logit statistics only: no intermediate states, no other temperature. */
function checkCachedLoss(inp: MicroInputs): void {
  if (inp.loss.weights.is !== 0) throw new DistillLossError('distill: a teacher cache holds logits only; the intermediate-state loss (weights.is) needs a live teacher');
  const tau = inp.loss.temperature ?? DEFAULT_COMBINED_LOSS_OPTIONS.temperature;
  if (tau !== 1) throw new DistillLossError(`losses: a teacher cache holds τ = 1 statistics; temperature ${tau} needs a live teacher`);
}

/** KL against the cached teacher (+ CE when weighted), student logits materialised (the unfused path). */
function cachedCombinedLoss(inp: MicroInputs, cached: CachedTeacher, logits: tf.Tensor3D, targets: tf.Tensor | null): CombinedLoss {
  const w = inp.loss.weights;
  const [b, t, v] = logits.shape;
  const kl = w.kl !== 0 ? cachedKl(cached, logits, { temperature: inp.loss.temperature }) : null;
  const ce = targets !== null ? crossEntropy(tf.slice(logits, [0, 0, 0], [b, t - 1, v]), targets) : null;
  const terms = [kl ? tf.mul(kl, w.kl) : null, ce ? tf.mul(ce, w.ce) : null].filter((x): x is tf.Tensor => x !== null);
  return { total: (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar, kl, ce, is: null };
}
type MicroTap = ((name: string, layer: number, x: tf.Tensor) => void) | null;

/** The teacher's logits [B, T, V] (no tape), tapping its states into tStates when the state loss needs them. */
function teacherPass(inp: MicroInputs, useStates: boolean, tStates: (tf.Tensor | null)[]): tf.Tensor3D | null {
  const w = inp.loss.weights;
  if ((w.kl === 0 && w.is === 0) || inp.cached) return null;
  if (inp.teacher === null) throw new DistillLossError('distill: the loss needs a teacher (weights.kl or weights.is != 0) but none was given');
  const teacher = inp.teacher;
  return tf.tidy(() => inp.forward(teacher.spec, teacher.params, inp.ids,
    useStates ? { onTap: capture(inp.states.map((s) => s.teacher), tStates) } : {})); // [B, T, V]
}

/**
 * Runs one micro-batch and returns its gradients and loss parts.
 * @example const r = microStep({ forward, teacher, studentSpec, vars, projNames: [], states: [], ids, loss });
 */
export function microStep(inp: MicroInputs): MicroResult {
  const w = inp.loss.weights;
  const useStates = w.is !== 0 && inp.states.length > 0;
  const [b, t] = inp.ids.shape;
  const tStates: (tf.Tensor | null)[] = inp.states.map(() => null);
  const sStates: (tf.Tensor | null)[] = inp.states.map(() => null);
  if (inp.cached) checkCachedLoss(inp);
  const teacherLogits = teacherPass(inp, useStates, tStates);
  const fused = usesFusedLoss(inp);
  const teacher: LinearLossTeacher | null = inp.cached ? { kind: 'topk', ...inp.cached } : teacherLogits ? { kind: 'logits', logits: teacherLogits } : null;
  const targets = w.ce !== 0 && !fused ? tf.slice(inp.ids, [0, 1], [b, t - 1]) : null; // [B, T-1]
  const parts = Object.fromEntries(LOSS_TERM_NAMES.map((t) => [t, null])) as Record<LossTerm, tf.Scalar | null>;
  const names = Object.keys(inp.vars);
  const varList = names.map((n) => inp.vars[n] as tf.Variable);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const params: Params = {};
      for (const n of names) if (!inp.projNames.includes(n)) params[n] = inp.vars[n] as tf.Variable;
      const onTap = useStates ? capture(inp.states.map((s) => s.student), sStates) : null;
      const pairs = () => (useStates ? statePairs(inp, sStates, tStates) : []);
      const r = fused
        ? fusedCombinedLoss(inp, params, teacher, onTap, pairs)
        : inp.cached
        ? cachedCombinedLoss(inp, inp.cached, inp.forward(inp.studentSpec, params, inp.ids), targets)
        : combinedLoss({ studentLogits: inp.forward(inp.studentSpec, params, inp.ids, onTap ? { onTap } : {}), teacherLogits, targets, states: pairs() }, inp.loss);
      for (const k of LOSS_TERM_NAMES) parts[k] = r[k] ? tf.keep(r[k]) : null;
      return r.total;
    }, varList);
    const out: Record<string, tf.Tensor> = {};
    // variableGrads keys by variable name; map back to our names
    names.forEach((n, i) => {
      const g = grads[(varList[i] as tf.Variable).name];
      if (g !== undefined) out[n] = g;
    });
    const num = (x: tf.Scalar | null): number | null => (x ? (x.dataSync()[0] as number) : null);
    const res = { grads: out, loss: value.dataSync()[0] as number, ...Object.fromEntries(LOSS_TERM_NAMES.map((k) => [k, num(parts[k])])) } as MicroResult;
    value.dispose();
    return res;
  } finally {
    tf.dispose([...(tStates.filter(Boolean) as tf.Tensor[]), ...(sStates.filter(Boolean) as tf.Tensor[])]);
    const rest: (tf.Tensor | null)[] = [teacherLogits, targets, ...LOSS_TERM_NAMES.map((k) => parts[k])];
    tf.dispose(rest.filter((x): x is tf.Tensor => x !== null));
  }
}
