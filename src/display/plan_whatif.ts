/**
 * The plan editor's what-if: the masked model's next-token loss and perplexity on a small cached batch (soft pruning
 * through forwardOptionsFromPlan: nothing is copied or sliced), next to the unpruned model's, with the parameter change.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ArchPlan, ModelLike } from '../types.js';
import { Rng } from '../data/rng.js';
import { lmLoss } from '../eval/perplexity.js';
import { forwardOptionsFromPlan } from '../prune/mask.js';
import { planParamCounts } from '../plan_core/spec.js';
import type { PlanWhatIf } from '../plan_core/comm.js';
import { PlanEditorError } from './plan_editor_error.js';

/** Size of the what-if batch. @example planWhatIf(model, ids, { tokens: 256, seqLen: 128 }) */
export interface WhatIfOptions { tokens: number; seqLen: number; seed: number }
/** Defaults of WhatIfOptions: 2 windows of 64 tokens. @example { ...defaultWhatIfOptions, tokens: 256 } */
export const defaultWhatIfOptions: WhatIfOptions = { tokens: 128, seqLen: 64, seed: 1234 };

/** The cached batch: `evalIds` cut into windows, or seeded random tokens when none are given. @example whatIfBatch(spec, ids).source // 'evalIds' */
export interface WhatIfBatch { ids: Int32Array; batch: number; seqLen: number; source: PlanWhatIf['source'] }

/**
 * Cuts the what-if batch: floor(tokens / seqLen) windows of seqLen tokens (seqLen ≤ the model's positions) from
 * evalIds, or seeded uniform random token ids when evalIds is null.
 * @example whatIfBatch(model.spec, ids, defaultWhatIfOptions).batch // 2
 */
export function whatIfBatch(spec: ModelLike['spec'], evalIds: ArrayLike<number> | null, opts: Partial<WhatIfOptions> = {}): WhatIfBatch {
  const o = { ...defaultWhatIfOptions, ...opts };
  const seqLen = Math.max(2, Math.min(o.seqLen, spec.maxPositions));
  if (evalIds) {
    const batch = Math.min(Math.floor(o.tokens / seqLen), Math.floor(evalIds.length / seqLen));
    if (batch < 1) throw new PlanEditorError('planEditor() evalIds', `at least ${seqLen} token ids (one window)`, `${evalIds.length} ids`);
    const ids = Int32Array.from(Array.prototype.slice.call(evalIds, 0, batch * seqLen) as number[]);
    for (const v of ids) if (!(v >= 0 && v < spec.vocabSize)) throw new PlanEditorError('planEditor() evalIds', `token ids in [0, ${spec.vocabSize})`, v);
    return { ids, batch, seqLen, source: 'evalIds' };
  }
  const batch = Math.max(1, Math.floor(o.tokens / seqLen));
  const rng = Rng.fromState(o.seed >>> 0);
  const ids = Int32Array.from({ length: batch * seqLen }, () => Math.floor(rng.next() * spec.vocabSize));
  return { ids, batch, seqLen, source: 'random tokens' };
}

function lossOf(model: ModelLike, b: WhatIfBatch, plan: ArchPlan | null): number {
  return tf.tidy(() => {
    const x = tf.tensor2d(b.ids, [b.batch, b.seqLen], 'int32'); // [B, T]
    return lmLoss(model.spec, model.params, x, plan ? forwardOptionsFromPlan(plan) : {}).dataSync()[0] as number; // []
  });
}

/**
 * A what-if function for one model and batch: the unpruned loss is computed once, each call masks the model by the
 * plan and measures it on the same batch.
 * @example const whatIf = planWhatIf(model, evalIds); whatIf(plan).perplexity
 */
export function planWhatIf(model: ModelLike, evalIds: ArrayLike<number> | null, opts: Partial<WhatIfOptions> = {}): (plan: ArchPlan) => PlanWhatIf {
  const b = whatIfBatch(model.spec, evalIds, opts);
  let base: number | null = null;
  return (plan: ArchPlan): PlanWhatIf => {
    const t0 = Date.now();
    if (base === null) base = lossOf(model, b, null);
    const loss = lossOf(model, b, plan);
    const pc = planParamCounts(plan);
    return {
      loss, perplexity: Math.exp(loss), baseLoss: base, basePerplexity: Math.exp(base), batch: b.batch, seqLen: b.seqLen,
      source: b.source, paramsFrom: pc.from, paramsTarget: pc.target, ms: Date.now() - t0,
    };
  };
}
