/**
 * Learning-rate schedules: linear warmup, then cosine | linear decay to minLr, or constant.
 */
import { MinitronError } from '../errors.js';

/**
 * Shapes of the decay after warmup, with what each does (CLI usage text).
 * @example Object.keys(SCHEDULES).join('|') // 'cosine|linear|constant'
 */
export const SCHEDULES = {
  cosine: 'cosine decay to minLr',
  linear: 'linear decay to minLr',
  constant: 'lr held after warmup',
} as const;

/** Shape of the decay after warmup. */
export type ScheduleKind = keyof typeof SCHEDULES;

/** Options of a learning-rate schedule. */
export interface ScheduleOptions {
  kind: ScheduleKind;
  /** Peak learning rate. */
  lr: number;
  /** Final learning rate (reached at the last step). */
  minLr: number;
  /** Linear warmup steps (step s < warmup gets lr·(s+1)/warmup). */
  warmup: number;
  /** Total optimiser steps. */
  totalSteps: number;
}

/** Defaults: cosine from 1e-4 to 1e-5 with 40 warmup steps (Minitron recipe; small models want a larger lr). */
export const DEFAULT_SCHEDULE_OPTIONS: ScheduleOptions = { kind: 'cosine', lr: 1e-4, minLr: 1e-5, warmup: 40, totalSteps: 1000 };

/** Raised on invalid schedule options. */
export class ScheduleError extends MinitronError {
}

/**
 * Learning rate for 0-based optimiser step `step`.
 * @example lrAt(0, { kind: 'cosine', lr: 1e-3, minLr: 1e-4, warmup: 10, totalSteps: 100 }) // 1e-4
 */
export function lrAt(step: number, opts: Partial<ScheduleOptions> = {}): number {
  const o = { ...DEFAULT_SCHEDULE_OPTIONS, ...opts };
  if (!(o.lr >= 0) || !(o.minLr >= 0) || o.minLr > o.lr) throw new ScheduleError(`schedule: need 0 <= minLr (${o.minLr}) <= lr (${o.lr})`);
  if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new ScheduleError(`schedule: warmup must be an integer >= 0, got ${o.warmup}`);
  if (!Number.isInteger(o.totalSteps) || o.totalSteps < 1) throw new ScheduleError(`schedule: totalSteps must be an integer >= 1, got ${o.totalSteps}`);
  if (!Number.isInteger(step) || step < 0) throw new ScheduleError(`schedule: step must be an integer >= 0, got ${step}`);
  if (step < o.warmup) return (o.lr * (step + 1)) / o.warmup;
  if (o.kind === 'constant') return o.lr;
  const span = o.totalSteps - o.warmup - 1;
  const p = span <= 0 ? 1 : Math.min(1, (step - o.warmup) / span); // 0 right after warmup, 1 at the last step
  if (o.kind === 'linear') return o.lr - (o.lr - o.minLr) * p;
  if (o.kind === 'cosine') return o.minLr + (o.lr - o.minLr) * 0.5 * (1 + Math.cos(Math.PI * p));
  throw new ScheduleError(`schedule: unknown kind '${String(o.kind)}' (expected cosine | linear | constant)`);
}
