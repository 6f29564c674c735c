/**
 * Options of distill(): the typed options object, its exported defaults, and the merge/validation step that turns
 * a caller's partial options into the fully typed TrainOptions the trainer's steps read.
 */
import { MinitronError } from '../errors.js';
import type { TrainRow } from '../types.js';
import { DEFAULT_COMBINED_LOSS_OPTIONS, DISTILL_MODES, type CombinedLossOptions, type DistillMode, type LossWeights } from './losses.js';
import type { AdamWOptions } from './optim.js';
import type { ScheduleKind } from './schedule.js';
import type { ForwardFn, ModelLike, StatePair } from './step.js';
import type { TeacherCache } from './teacher_cache.js';

/** Raised on invalid trainer options. @example throw new DistillOptionsError("distill: option 'batch' must be an integer >= 1, got 0") */
export class DistillOptionsError extends MinitronError {
}

/** Token data: ids, or text with a tokenizer. @example const d: DistillData = { text, tokenizer }; */
export type DistillData = ArrayLike<number> | { text: string; tokenizer: { encode(text: string): number[] } };

/** Options of distill(). @example distill({ teacher, student, data, steps: 100, lr: 1e-3 }) */
export interface DistillOptions {
  /** 'kd': logit (+ optional CE / state) losses against the teacher; 'ce': cross-entropy only (teacher correction, baseline). */
  mode: DistillMode;
  teacher: ModelLike | null;
  student: ModelLike;
  data: DistillData;
  /** Optimiser steps; when 0, derived from `tokens`. */
  steps: number;
  tokens: number;
  batch: number;
  seqLen: number;
  accum: number;
  lr: number;
  minLr: number;
  warmup: number;
  schedule: ScheduleKind;
  weightDecay: number;
  adam: Partial<Omit<AdamWOptions, 'weightDecay'>>;
  /** Clip the global gradient norm to this (0 disables). */
  clip: number;
  /** Loss kinds, τ, top-k, weights (merged over the mode's defaults) and balancing. */
  loss: Partial<Omit<CombinedLossOptions, 'weights'>> & { weights?: Partial<LossWeights> };
  /** Intermediate-state pairs (used when loss.weights.is != 0); one learned projection each. */
  states: StatePair[];
  evalEvery: number;
  evalData: DistillData | null;
  /** Windows of the eval data used per evaluation (the first ones, in order). */
  evalWindows: number;
  checkpointEvery: number;
  /** Directory of the resumable checkpoint (written as <outDir>/checkpoint); null: no checkpoints. */
  outDir: string | null;
  /** Continue from <outDir>/checkpoint when it exists. */
  resume: boolean;
  seed: number;
  onStep: ((row: TrainRow, info: { step: number; totalSteps: number; elapsedSec: number }) => void) | null;
  /** Stops training at the next step boundary (a checkpoint is written when outDir is set); the host's stop signal too. */
  signal: AbortSignal | null;
  /** Install a SIGINT handler that stops at the next step boundary (removed when training ends). */
  handleSigint: boolean;
  /** The forward pass (defaults to src/model/forward.ts). */
  forward: ForwardFn | null;
  /**
   * A teacher cache (folder written by cacheTeacher, or an open TeacherCache) made from the same data and seqLen:
   * its top-k logits replace the live teacher (forward KL at τ = 1, optionally with CE; no state loss).
   */
  teacherCache: string | TeacherCache | null;
}

/** Defaults (lr larger than the 8B recipes: small models). @example distill({ ...DEFAULT_DISTILL_OPTIONS, teacher, student, data }) */
export const DEFAULT_DISTILL_OPTIONS: Omit<DistillOptions, 'teacher' | 'student' | 'data'> = {
  mode: 'kd', steps: 0, tokens: 0, batch: 8, seqLen: 256, accum: 1, lr: 3e-4, minLr: 3e-5, warmup: 40, schedule: 'cosine',
  weightDecay: 0.01, adam: {}, clip: 1, loss: {}, states: [], evalEvery: 0, evalData: null, evalWindows: 16,
  checkpointEvery: 0, outDir: null, resume: false, seed: 0, onStep: null, signal: null, handleSigint: false, forward: null,
  teacherCache: null,
};

/** What distill() is called with: the three required fields plus any options. @example const a: DistillArgs = { teacher, student, data }; */
export type DistillArgs = Partial<DistillOptions> & Pick<DistillOptions, 'teacher' | 'student' | 'data'>;

/** Merged and validated options: the loss is complete (the mode's weights over the library defaults). @example const o: TrainOptions = mergeOptions(args); */
export type TrainOptions = Omit<DistillOptions, 'loss'> & { loss: CombinedLossOptions };

/**
 * Merges the caller's options over the defaults and checks them (sizes, mode, teacher, vocabularies, outDir).
 * @example const o = mergeOptions({ teacher, student, data, steps: 10 });
 */
export function mergeOptions(opts: DistillArgs): TrainOptions {
  const m = { ...DEFAULT_DISTILL_OPTIONS, ...opts };
  const wDefault: LossWeights = { ...(Object.hasOwn(DISTILL_MODES, m.mode) ? DISTILL_MODES[m.mode] : DISTILL_MODES.kd).weights };
  const o: TrainOptions = { ...m, loss: { ...DEFAULT_COMBINED_LOSS_OPTIONS, ...m.loss, weights: { ...wDefault, ...(m.loss.weights ?? {}) } } };
  for (const k of ['batch', 'seqLen', 'accum'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new DistillOptionsError(`distill: option '${k}' must be an integer >= 1, got ${o[k]}`);
  }
  if (!Object.hasOwn(DISTILL_MODES, o.mode)) throw new DistillOptionsError(`distill: option 'mode' must be one of ${Object.keys(DISTILL_MODES).join(' | ')}, got '${String(o.mode)}'`);
  if (o.mode === 'kd' && o.teacher === null && o.teacherCache === null) throw new DistillOptionsError("distill: mode 'kd' needs a teacher or a teacherCache");
  if (o.teacherCache !== null) checkCacheOptions(o);
  if (o.teacher && o.teacher.spec.vocabSize !== o.student.spec.vocabSize) {
    throw new DistillOptionsError(`distill: teacher vocab ${o.teacher.spec.vocabSize} != student vocab ${o.student.spec.vocabSize}`);
  }
  if ((o.resume || o.checkpointEvery > 0) && o.outDir === null) throw new DistillOptionsError("distill: 'resume' and 'checkpointEvery' need 'outDir'");
  return o;
}

/** What a teacher cache can serve: the forward KL at τ = 1 (plus CE), no intermediate states. */
function checkCacheOptions(o: TrainOptions): void {
  if (o.mode !== 'kd') throw new DistillOptionsError("distill: 'teacherCache' is for mode 'kd'");
  if (o.loss.logitLoss !== 'forward_kl') throw new DistillOptionsError(`distill: a teacher cache serves loss.logitLoss 'forward_kl' only, got '${o.loss.logitLoss}'`);
  if (o.loss.temperature !== 1) throw new DistillOptionsError(`distill: a teacher cache holds τ = 1 statistics; loss.temperature ${o.loss.temperature} needs a live teacher`);
  if (o.loss.weights.is !== 0) throw new DistillOptionsError('distill: a teacher cache holds logits only; loss.weights.is != 0 needs a live teacher');
}
