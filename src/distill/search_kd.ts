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
import { stopSignal, throwIfStopped } from '../host/stop.js';

/** Options of rescoreWithDistillation. @example const o: Partial<KdSearchOptions> = { steps: 50, top: 3, signal: ctl.signal }; */
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
  /** Stops between distillation steps (InterruptedError); the host's stop signal (a Jupyter interrupt) too. */
  readonly signal: AbortSignal | null;
}
/** Defaults of rescoreWithDistillation. @example rescoreWithDistillation(t, r, c, b, d, { ...DEFAULT_KD_SEARCH_OPTIONS, top: 5 }) */
export const DEFAULT_KD_SEARCH_OPTIONS: KdSearchOptions = { steps: 20, batch: 2, seqLen: 128, lr: 3e-4, seed: 0, top: 3, onProgress: null, signal: null };

/**
 * Distil each of the first `top` candidates for `steps` steps and rank them by perplexity on `evalBatches` ([batch][seq][token]).
 * @example const best = await rescoreWithDistillation(teacher, report, ranked, batches, data, { steps: 50, top: 3 });
 */
export async function rescoreWithDistillation(teacher: ModelLike, report: ImportanceReport, candidates: SearchCandidate[], evalBatches: number[][][],
  data: DistillData, options: Partial<KdSearchOptions> = {}): Promise<Array<SearchCandidate & { kdPpl: number }>> {
  const o = { ...DEFAULT_KD_SEARCH_OPTIONS, ...options };
  const chosen = candidates.slice(0, o.top);
  const out: Array<SearchCandidate & { kdPpl: number }> = [];
  const stop = stopSignal(o.signal);
  for (const c of chosen) {
    throwIfStopped(stop, 'rescoreWithDistillation');
    const student = slicePlan(teacher.spec, teacher.params, planForCandidate(teacher.spec, report, c, o.depthMetric));
    try {
      const run = await distill({ teacher, student, data, steps: o.steps, batch: o.batch, seqLen: o.seqLen, lr: o.lr, warmup: 0, seed: o.seed, signal: stop });
      try {
        throwIfStopped(stop, 'rescoreWithDistillation');
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
