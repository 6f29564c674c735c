/**
 * The distillation trainer: AdamW on tf.Variable copies of the student's weights (and the state projections),
 * logits from a gradient-free teacher, gradient accumulation and clipping, lr schedule, periodic eval,
 * atomic resumable checkpoints, clean interrupts and a typed error on non-finite losses.
 * The loop is distill(); its named steps are in trainer_steps.ts, its options in trainer_options.ts.
 */
import * as fs from 'node:fs';
import { recoverStaleSiblings } from '../io/atomic.js';
import * as tf from '@tensorflow/tfjs-core';
import type { Params, TrainHistory } from '../types.js';
import { meanNextTokenNll } from '../eval/nll.js';
import { lrAt } from './schedule.js';
import type { ForwardFn, ModelLike } from './step.js';
import { ensureTrainingKernels } from './kernels.js';
import { stopSignal } from '../host/stop.js';
import { DistillOptionsError, mergeOptions, type DistillArgs, type DistillOptions, type TrainOptions } from './trainer_options.js';
import {
  accumulate, createTensors, disposeTrainState, newTrainState, resolveRun, restoreState, saveState, studentView, trainRow, update,
  type RunPlan, type StepGrads, type TrainState,
} from './trainer_steps.js';

export { DistillOptionsError, DEFAULT_DISTILL_OPTIONS, type DistillOptions, type DistillData, type DistillArgs } from './trainer_options.js';
export { NonFiniteLossError } from './trainer_steps.js';

/** What distill() returns: the history plus the trained weights (tf.Variables the caller disposes). @example const r: DistillResult = await distill(args); tf.dispose(Object.values(r.params)); */
export interface DistillResult extends TrainHistory {
  /** Trained student weights, canonical names. */
  params: Params;
  /** Learned state projections [Dt, Ds], one per state pair. */
  projections: tf.Tensor[];
  stopped: 'done' | 'interrupted';
  step: number;
  totalSteps: number;
  checkpoint: string | null;
}

/** Mean next-token cross-entropy of a model over the first `windows` windows of ids (no gradients). @example evalLoss(forward, model, ids, 128, 4, 16) // 3.2 */
export function evalLoss(forward: ForwardFn, model: ModelLike, ids: Int32Array, seqLen: number, batch: number, windows: number): number {
  const n = Math.min(windows, Math.floor(ids.length / seqLen));
  if (n < 1) throw new DistillOptionsError(`distill: eval data (${ids.length} tokens) is shorter than one window of ${seqLen}`);
  let sum = 0;
  for (let i = 0; i < n; i += batch) {
    const b = Math.min(batch, n - i);
    sum += b * tf.tidy(() => {
      const x = tf.tensor2d(ids.subarray(i * seqLen, (i + b) * seqLen), [b, seqLen], 'int32'); // [b, T]
      return meanNextTokenNll(forward(model.spec, model.params, x), x).dataSync()[0] as number; // logits [b, T, V]
    });
  }
  return sum / n;
}

/**
 * One run's stop channel, an AbortSignal: the caller's `signal`, the host's (a Jupyter interrupt of the running cell)
 * and, with handleSigint, SIGINT until the run ends.
 */
function stopChannel(o: TrainOptions): { signal: AbortSignal; close(): void } {
  const local = new AbortController();
  const onSigint = (): void => local.abort();
  if (o.handleSigint) process.once('SIGINT', onSigint);
  const outer = stopSignal(o.signal);
  return {
    signal: outer === null ? local.signal : AbortSignal.any([local.signal, outer]),
    close: () => { if (o.handleSigint) process.removeListener('SIGINT', onSigint); },
  };
}

/** After an update: count the step, record its row (with an eval loss when due), checkpoint when due, report. */
function afterStep(st: TrainState, o: TrainOptions, plan: RunPlan, g: StepGrads, lr: number, times: { step: number; run: number }): void {
  st.step += 1;
  st.tokens += plan.perStep;
  let row = trainRow(st, g, lr, plan.perStep, (Date.now() - times.step) / 1000);
  const last = st.step === plan.totalSteps;
  if (plan.evalIds !== null && ((o.evalEvery > 0 && st.step % o.evalEvery === 0) || last)) {
    row = { ...row, evalLoss: evalLoss(plan.forward, studentView(st, o), plan.evalIds, o.seqLen, o.batch, o.evalWindows) };
  }
  st.rows.push(row);
  if ((o.checkpointEvery > 0 && st.step % o.checkpointEvery === 0) || (last && plan.ckptDir !== null)) saveState(st, plan);
  o.onStep?.(row, { step: st.step, totalSteps: plan.totalSteps, elapsedSec: (Date.now() - times.run) / 1000 });
}

/**
 * Distils (or, with mode 'ce', fine-tunes) the student; resumable, interruptible, deterministic for a seed on cpu.
 * Every tensor it creates is freed on any error; on success the caller owns `params` and `projections`.
 * @example const h = await distill({ teacher, student, data: ids, steps: 100, batch: 4, seqLen: 128, lr: 1e-3 });
 */
export async function distill(opts: DistillArgs): Promise<DistillResult> {
  const o = mergeOptions(opts);
  ensureTrainingKernels();
  const plan = resolveRun(o);
  const st = newTrainState(o, plan);
  const stop = stopChannel(o);
  let result: DistillResult | null = null;
  try {
    createTensors(st, o);
    if (plan.ckptDir !== null) recoverStaleSiblings(plan.ckptDir); // leftovers of a killed save
    if (o.resume && plan.ckptDir !== null && fs.existsSync(plan.ckptDir)) restoreState(st, o, plan); // incomplete: refused, naming what is missing
    const run = Date.now();
    const startStep = st.step;
    let stopped: DistillResult['stopped'] = 'done';
    while (st.step < plan.totalSteps) {
      if (stop.signal.aborted) {
        stopped = 'interrupted';
        break;
      }
      const lr = lrAt(st.step, { kind: o.schedule, lr: o.lr, minLr: o.minLr, warmup: o.warmup, totalSteps: plan.totalSteps });
      const times = { step: Date.now(), run };
      const g = accumulate(st, o, plan);
      try {
        update(st, o, g, lr);
      } finally {
        tf.dispose(Object.values(g.grads));
      }
      afterStep(st, o, plan, g, lr, times);
      await new Promise<void>((res) => setImmediate(res)); // let signals and timers run between steps
    }
    if (stopped === 'interrupted' && (st.step > startStep || st.lastSaved === null)) saveState(st, plan);
    const projections = st.projNames.map((n) => st.vars[n] as tf.Tensor);
    result = { kind: 'train-history', rows: st.rows, params: studentView(st, o).params, projections, stopped, step: st.step, totalSteps: plan.totalSteps, checkpoint: st.lastSaved };
    return result;
  } finally {
    disposeTrainState(st, result !== null);
    stop.close();
  }
}

/**
 * Teacher correction: fine-tunes the teacher with cross-entropy on the distillation data (same trainer, mode 'ce').
 * @example const r = await correctTeacher({ teacher, data: ids, steps: 50, batch: 4, seqLen: 128, lr: 1e-4 });
 */
export async function correctTeacher(opts: Partial<DistillOptions> & Pick<DistillOptions, 'teacher' | 'data'>): Promise<DistillResult> {
  if (opts.teacher === null) throw new DistillOptionsError('distill: correctTeacher needs a teacher');
  return distill({ ...opts, mode: 'ce', student: opts.teacher, teacher: null });
}
