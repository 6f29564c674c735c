/**
 * Architecture search, second stage (2407.14679): retrain each of the best candidates briefly by distillation from the
 * unpruned teacher, then rank them by perplexity after that retraining rather than right after pruning.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImportanceReport, ModelLike } from '../types.js';
import { meanLoss } from '../importance/loss.js';
import { planForCandidate, type SearchCandidate } from '../prune/search.js';
import { slicePlan } from '../prune/slice.js';
import { distill, type DistillData } from './trainer.js';

/** Options of rescoreWithDistillation. */
export interface KdSearchOptions {
  /** Distillation steps per candidate. */
  readonly steps: number;
  readonly batch: number;
  readonly seqLen: number;
  readonly lr: number;
  readonly seed: number;
  /** How many candidates (in the given order) to retrain. */
  readonly top: number;
  readonly depthMetric?: string;
  readonly onProgress: ((done: number, total: number, c: SearchCandidate & { kdPpl: number }) => void) | null;
}
export const DEFAULT_KD_SEARCH_OPTIONS: KdSearchOptions = { steps: 20, batch: 2, seqLen: 128, lr: 3e-4, seed: 0, top: 3, onProgress: null };

/**
 * Distil each of the first `top` candidates for `steps` steps and rank them by perplexity on `evalBatches` ([batch][seq][token]).
 * @example const best = await rescoreWithDistillation(teacher, report, ranked, batches, data, { steps: 50, top: 3 });
 */
export async function rescoreWithDistillation(teacher: ModelLike, report: ImportanceReport, candidates: SearchCandidate[], evalBatches: number[][][],
  data: DistillData, options: Partial<KdSearchOptions> = {}): Promise<Array<SearchCandidate & { kdPpl: number }>> {
  const o = { ...DEFAULT_KD_SEARCH_OPTIONS, ...options };
  const chosen = candidates.slice(0, o.top);
  const out: Array<SearchCandidate & { kdPpl: number }> = [];
  for (const c of chosen) {
    const student = slicePlan(teacher.spec, teacher.params, planForCandidate(teacher.spec, report, c, o.depthMetric));
    try {
      const run = await distill({ teacher, student, data, steps: o.steps, batch: o.batch, seqLen: o.seqLen, lr: o.lr, warmup: 0, seed: o.seed });
      try {
        out.push({ ...c, kdPpl: Math.exp(meanLoss(student.spec, run.params, evalBatches)) });
      } finally {
        tf.dispose([...Object.values(run.params), ...run.projections]);
      }
    } finally {
      tf.dispose(Object.values(student.params));
    }
    o.onProgress?.(out.length, chosen.length, out[out.length - 1]);
  }
  return out.sort((a, b) => a.kdPpl - b.kdPpl);
}
