/**
 * One micro-batch of distillation: the teacher forward (no tape), the student forward + backward with
 * tf.variableGrads, and the loss parts as numbers. Tapped states are captured with tf.keep and freed here.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { combinedLoss, DistillLossError, type CombinedLossOptions } from './losses.js';

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
export interface MicroResult {
  grads: Record<string, tf.Tensor>;
  loss: number;
  kl: number | null;
  ce: number | null;
  is: number | null;
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
}

/**
 * Runs one micro-batch and returns its gradients and loss parts.
 * @example const r = microStep({ forward, teacher, studentSpec, vars, projNames: [], states: [], ids, loss });
 */
export function microStep(inp: MicroInputs): MicroResult {
  const w = inp.loss.weights;
  const needTeacher = w.kl !== 0 || w.is !== 0;
  const useStates = w.is !== 0 && inp.states.length > 0;
  const [b, t] = inp.ids.shape;
  const tStates: (tf.Tensor | null)[] = inp.states.map(() => null);
  let teacherLogits: tf.Tensor3D | null = null;
  if (needTeacher) {
    if (inp.teacher === null) throw new DistillLossError('distill: the loss needs a teacher (weights.kl or weights.is != 0) but none was given');
    const teacher = inp.teacher;
    teacherLogits = tf.tidy(() => inp.forward(teacher.spec, teacher.params, inp.ids,
      useStates ? { onTap: capture(inp.states.map((s) => s.teacher), tStates) } : {})); // [B, T, V]
  }
  const sStates: (tf.Tensor | null)[] = inp.states.map(() => null);
  const targets = w.ce !== 0 ? tf.slice(inp.ids, [0, 1], [b, t - 1]) : null; // [B, T-1]
  const parts: { kl: tf.Scalar | null; ce: tf.Scalar | null; is: tf.Scalar | null } = { kl: null, ce: null, is: null };
  const names = Object.keys(inp.vars);
  const varList = names.map((n) => inp.vars[n] as tf.Variable);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const params: Params = {};
      for (const n of names) if (!inp.projNames.includes(n)) params[n] = inp.vars[n] as tf.Variable;
      const logits = inp.forward(inp.studentSpec, params, inp.ids,
        useStates ? { onTap: capture(inp.states.map((s) => s.student), sStates) } : {}); // [B, T, V]
      const pairs = useStates
        ? inp.states.map((_, i) => {
          const s = sStates[i];
          const te = tStates[i];
          if (!s || !te) throw new DistillLossError(`distill: state pair ${i} was not tapped (student ${JSON.stringify(inp.states[i]?.student)}, teacher ${JSON.stringify(inp.states[i]?.teacher)})`);
          return { student: flatHeads(s), teacher: flatHeads(te), proj: inp.vars[inp.projNames[i] as string] as tf.Tensor };
        })
        : [];
      const r = combinedLoss({ studentLogits: logits, teacherLogits, targets, states: pairs }, inp.loss);
      parts.kl = r.kl ? tf.keep(r.kl) : null;
      parts.ce = r.ce ? tf.keep(r.ce) : null;
      parts.is = r.is ? tf.keep(r.is) : null;
      return r.total;
    }, varList);
    const out: Record<string, tf.Tensor> = {};
    // variableGrads keys by variable name; map back to our names
    names.forEach((n, i) => {
      const g = grads[(varList[i] as tf.Variable).name];
      if (g !== undefined) out[n] = g;
    });
    const num = (x: tf.Scalar | null): number | null => (x ? (x.dataSync()[0] as number) : null);
    const res = { grads: out, loss: value.dataSync()[0] as number, kl: num(parts.kl), ce: num(parts.ce), is: num(parts.is) };
    value.dispose();
    return res;
  } finally {
    tf.dispose([...(tStates.filter(Boolean) as tf.Tensor[]), ...(sStates.filter(Boolean) as tf.Tensor[])]);
    const rest: (tf.Tensor | null)[] = [teacherLogits, targets, parts.kl, parts.ce, parts.is];
    tf.dispose(rest.filter((x): x is tf.Tensor => x !== null));
  }
}
