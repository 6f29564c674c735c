/**
 * The distillation trainer: AdamW on tf.Variable copies of the student's weights (and the state projections),
 * logits from a gradient-free teacher, gradient accumulation and clipping, lr schedule, periodic eval,
 * atomic resumable checkpoints, clean interrupts and a typed error on non-finite losses.
 */
import { isInterrupted } from '../display/checkpoint.js';
import { MinitronError } from '../errors.js';
import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import type { Params, TrainHistory, TrainRow } from '../types.js';
import { DEFAULT_COMBINED_LOSS_OPTIONS, crossEntropy, type CombinedLossOptions, type LossWeights } from './losses.js';
import { AdamW, clipCoefficient, globalNorm, type AdamWOptions } from './optim.js';
import { lrAt, type ScheduleKind } from './schedule.js';
import { WindowSampler, toIds, type SamplerState } from './data.js';
import { hasTrainCheckpoint, loadTrainCheckpoint, saveTrainCheckpoint, DistillCheckpointError } from './checkpoint.js';
import { microStep, type ForwardFn, type ModelLike, type StatePair } from './step.js';
import { Rng } from './rng.js';
import { forward as modelForward } from '../model/forward.js';
import { ensureTrainingKernels } from './kernels.js';

/** Raised when the loss or the gradient norm becomes NaN or infinite; the last good checkpoint is left in place. */
export class NonFiniteLossError extends MinitronError {
  constructor(readonly step: number, readonly value: number, readonly checkpoint: string | null) {
    super(`distill: non-finite ${Number.isFinite(value) ? 'gradient norm' : 'loss'} (${value}) at step ${step}; no update applied; last good checkpoint: ${checkpoint ?? 'none'}`);
  }
}

/** Raised on invalid trainer options. */
export class DistillOptionsError extends MinitronError {
}

/** Token data: ids, or text with a tokenizer. */
export type DistillData = ArrayLike<number> | { text: string; tokenizer: { encode(text: string): number[] } };

/** Options of distill(). */
export interface DistillOptions {
  /** 'kd': logit (+ optional CE / state) losses against the teacher; 'ce': cross-entropy only (teacher correction, baseline). */
  mode: 'kd' | 'ce';
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
  signal: AbortSignal | null;
  /** Install a SIGINT handler that stops at the next step boundary (removed when training ends). */
  handleSigint: boolean;
  /** The forward pass (defaults to src/model/forward.ts). */
  forward: ForwardFn | null;
}

/** Defaults (lr larger than the 8B recipes: small models). */
export const DEFAULT_DISTILL_OPTIONS: Omit<DistillOptions, 'teacher' | 'student' | 'data'> = {
  mode: 'kd', steps: 0, tokens: 0, batch: 8, seqLen: 256, accum: 1, lr: 3e-4, minLr: 3e-5, warmup: 40, schedule: 'cosine',
  weightDecay: 0.01, adam: {}, clip: 1, loss: {}, states: [], evalEvery: 0, evalData: null, evalWindows: 16,
  checkpointEvery: 0, outDir: null, resume: false, seed: 0, onStep: null, signal: null, handleSigint: false, forward: null,
};

/** What distill() returns: the history plus the trained weights (tf.Variables the caller disposes). */
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

interface SavedState {
  version: 1;
  step: number;
  tokens: number;
  optimStep: number;
  sampler: SamplerState;
  rows: TrainRow[];
  run: { batch: number; seqLen: number; accum: number; mode: string; dataTokens: number; totalSteps: number };
}


/** Mean next-token cross-entropy of a model over the first `windows` windows of ids (no gradients). */
export function evalLoss(forward: ForwardFn, model: ModelLike, ids: Int32Array, seqLen: number, batch: number, windows: number): number {
  const n = Math.min(windows, Math.floor(ids.length / seqLen));
  if (n < 1) throw new DistillOptionsError(`distill: eval data (${ids.length} tokens) is shorter than one window of ${seqLen}`);
  let sum = 0;
  for (let i = 0; i < n; i += batch) {
    const b = Math.min(batch, n - i);
    sum += b * tf.tidy(() => {
      const x = tf.tensor2d(ids.subarray(i * seqLen, (i + b) * seqLen), [b, seqLen], 'int32'); // [b, T]
      const logits = forward(model.spec, model.params, x); // [b, T, V]
      const V = logits.shape[2];
      const l = tf.slice(logits, [0, 0, 0], [b, seqLen - 1, V]); // [b, T-1, V]
      return crossEntropy(l, tf.slice(x, [0, 1], [b, seqLen - 1])).dataSync()[0] as number;
    });
  }
  return sum / n;
}

function mergeOpts(opts: Partial<DistillOptions> & Pick<DistillOptions, 'teacher' | 'student' | 'data'>): DistillOptions {
  const o = { ...DEFAULT_DISTILL_OPTIONS, ...opts } as DistillOptions;
  const wDefault: LossWeights = o.mode === 'ce' ? { ce: 1, kl: 0, is: 0 } : { ...DEFAULT_COMBINED_LOSS_OPTIONS.weights };
  o.loss = { ...o.loss, weights: { ...wDefault, ...(o.loss.weights ?? {}) } };
  for (const k of ['batch', 'seqLen', 'accum'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new DistillOptionsError(`distill: option '${k}' must be an integer >= 1, got ${o[k]}`);
  }
  if (o.mode !== 'kd' && o.mode !== 'ce') throw new DistillOptionsError(`distill: option 'mode' must be 'kd' or 'ce', got '${String(o.mode)}'`);
  if (o.mode === 'kd' && o.teacher === null) throw new DistillOptionsError("distill: mode 'kd' needs a teacher");
  if (o.teacher && o.teacher.spec.vocabSize !== o.student.spec.vocabSize) {
    throw new DistillOptionsError(`distill: teacher vocab ${o.teacher.spec.vocabSize} != student vocab ${o.student.spec.vocabSize}`);
  }
  if ((o.resume || o.checkpointEvery > 0) && o.outDir === null) throw new DistillOptionsError("distill: 'resume' and 'checkpointEvery' need 'outDir'");
  return o;
}

function stateWidth(spec: ModelLike['spec'], tap: string): number {
  if (tap === 'attn_ctx') return spec.numHeads * spec.headDim;
  if (tap === 'mlp_fc1' || tap === 'mlp_act') return spec.ffnHiddenSize;
  return spec.hiddenSize;
}

/**
 * Distils (or, with mode 'ce', fine-tunes) the student; resumable, interruptible, deterministic for a seed on cpu.
 * @example const h = await distill({ teacher, student, data: ids, steps: 100, batch: 4, seqLen: 128, lr: 1e-3 });
 */
export async function distill(opts: Partial<DistillOptions> & Pick<DistillOptions, 'teacher' | 'student' | 'data'>): Promise<DistillResult> {
  const o = mergeOpts(opts);
  ensureTrainingKernels();
  const forward: ForwardFn = o.forward ?? modelForward;
  const ids = toIds(o.data, o.student.spec.vocabSize);
  const evalIds = o.evalData === null ? null : toIds(o.evalData, o.student.spec.vocabSize);
  const perStep = o.batch * o.seqLen * o.accum;
  const totalSteps = o.steps > 0 ? o.steps : Math.ceil(o.tokens / perStep);
  if (!(totalSteps >= 1)) throw new DistillOptionsError(`distill: give 'steps' or 'tokens' > 0 (got steps ${o.steps}, tokens ${o.tokens})`);
  const ckptDir = o.outDir === null ? null : path.join(o.outDir, 'checkpoint');
  const weights = o.loss.weights as LossWeights;
  const useStates = weights.is !== 0;
  if (useStates && o.states.length === 0) throw new DistillOptionsError('distill: loss.weights.is != 0 needs at least one state pair in `states`');

  // trainable copies; tf.variable shares the buffer until the first assign, the caller's tensors are never changed
  const vars: Record<string, tf.Variable> = {};
  for (const [n, t] of Object.entries(o.student.params)) vars[n] = tf.variable(t, true);
  const projNames: string[] = [];
  if (useStates && o.teacher) {
    const r = new Rng(o.seed ^ 0x5eed);
    o.states.forEach((p, i) => {
      const ds = stateWidth(o.student.spec, p.student.tap);
      const dt = stateWidth(o.teacher!.spec, p.teacher.tap);
      const init = ds === dt
        ? tf.eye(dt)
        : tf.tensor2d(Float32Array.from({ length: dt * ds }, () => r.normal() / Math.sqrt(ds)), [dt, ds]); // [Dt, Ds]
      const name = `distill.proj.${i}`;
      vars[name] = tf.variable(init, true);
      init.dispose();
      projNames.push(name);
    });
  }
  const opt = new AdamW(vars, { ...o.adam, weightDecay: o.weightDecay, decay: (n, v) => v.rank >= 2 && !n.startsWith('distill.proj') && !n.includes('embed') });
  let sampler = new WindowSampler(ids, o.seqLen, o.seed);
  let step = 0;
  let tokens = 0;
  let rows: TrainRow[] = [];

  const run: SavedState['run'] = { batch: o.batch, seqLen: o.seqLen, accum: o.accum, mode: o.mode, dataTokens: ids.length, totalSteps };
  if (o.resume && ckptDir !== null && hasTrainCheckpoint(ckptDir)) {
    const ck = loadTrainCheckpoint<SavedState>(ckptDir);
    try {
      for (const [k, v] of Object.entries(run)) {
        const saved = (ck.state.run as Record<string, unknown>)[k];
        if (saved !== v) throw new DistillCheckpointError(`distill: checkpoint ${ckptDir} was made with ${k}=${String(saved)}, this run has ${k}=${String(v)}`);
      }
      for (const [n, v] of Object.entries(vars)) {
        const w = ck.weights[n];
        if (!w || w.shape.join() !== v.shape.join()) throw new DistillCheckpointError(`distill: checkpoint ${ckptDir} weight '${n}' is missing or has shape [${w?.shape}], expected [${v.shape}]`);
        v.assign(w);
      }
      const m: Record<string, tf.Tensor> = {};
      const vv: Record<string, tf.Tensor> = {};
      for (const [k, t] of Object.entries(ck.optim)) {
        if (k.startsWith('m:')) m[k.slice(2)] = t;
        else if (k.startsWith('v:')) vv[k.slice(2)] = t;
      }
      opt.loadState({ step: ck.state.optimStep, m, v: vv });
      sampler = new WindowSampler(ids, o.seqLen, o.seed, ck.state.sampler);
      step = ck.state.step;
      tokens = ck.state.tokens;
      rows = ck.state.rows;
    } catch (e) {
      opt.dispose();
      tf.dispose(Object.values(vars));
      throw e;
    } finally {
      tf.dispose([...Object.values(ck.weights), ...Object.values(ck.optim)]);
    }
  }

  const save = (): void => {
    if (ckptDir === null) return;
    const st = opt.state();
    const optim: Record<string, tf.Tensor> = {};
    for (const n of Object.keys(st.m)) {
      optim[`m:${n}`] = st.m[n] as tf.Tensor;
      optim[`v:${n}`] = st.v[n] as tf.Tensor;
    }
    const state: SavedState = { version: 1, step, tokens, optimStep: st.step, sampler: sampler.state, rows, run };
    saveTrainCheckpoint(ckptDir, { weights: vars, optim, state });
  };
  let lastSaved: string | null = ckptDir !== null && hasTrainCheckpoint(ckptDir) ? ckptDir : null;

  const local = new AbortController();
  const onSigint = (): void => local.abort();
  if (o.handleSigint) process.once('SIGINT', onSigint);
  // A Jupyter interrupt (the minitron kernel's check, see display/checkpoint.ts) stops at a step boundary too.
  const aborted = (): boolean => local.signal.aborted || (o.signal?.aborted ?? false) || isInterrupted();
  const studentView = (): ModelLike => {
    const params: Params = {};
    for (const n of Object.keys(o.student.params)) params[n] = vars[n] as tf.Variable;
    return { spec: o.student.spec, params };
  };
  const t0 = Date.now();
  const startStep = step;
  let stopped: DistillResult['stopped'] = 'done';
  try {
    while (step < totalSteps) {
      if (aborted()) {
        stopped = 'interrupted';
        break;
      }
      const lr = lrAt(step, { kind: o.schedule, lr: o.lr, minLr: o.minLr, warmup: o.warmup, totalSteps });
      const tStep = Date.now();
      let acc: Record<string, tf.Tensor> = {};
      let loss = 0;
      const partSums = { kl: 0, ce: 0, is: 0 };
      const has = { kl: false, ce: false, is: false };
      const samplerBefore = sampler.state;
      try {
        for (let a = 0; a < o.accum; a++) {
          const x = tf.tensor2d(sampler.next(o.batch), [o.batch, o.seqLen], 'int32'); // [B, T]
          let r;
          try {
            r = microStep({ forward, teacher: o.teacher, studentSpec: o.student.spec, vars, projNames, states: o.states, ids: x, loss: o.loss as CombinedLossOptions });
          } finally {
            x.dispose();
          }
          loss += r.loss / o.accum;
          for (const k of ['kl', 'ce', 'is'] as const) {
            const v = r[k];
            if (v !== null) {
              partSums[k] += v / o.accum;
              has[k] = true;
            }
          }
          const next: Record<string, tf.Tensor> = {};
          for (const [n, g] of Object.entries(r.grads)) {
            const prev = acc[n];
            next[n] = prev === undefined ? (o.accum === 1 ? g : tf.mul(g, 1 / o.accum)) : tf.tidy(() => tf.add(prev, tf.mul(g, 1 / o.accum)));
            if (prev !== undefined) prev.dispose();
            if (o.accum !== 1) g.dispose();
          }
          acc = next;
        }
        const norm = globalNorm(acc);
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(step, loss, lastSaved);
        if (!Number.isFinite(norm)) throw new NonFiniteLossError(step, norm, lastSaved);
        const coef = clipCoefficient(norm, o.clip);
        if (coef < 1) {
          for (const [n, g] of Object.entries(acc)) {
            acc[n] = tf.mul(g, coef);
            g.dispose();
          }
        }
        opt.step(acc, lr);
      } catch (e) {
        if (e instanceof NonFiniteLossError) sampler = new WindowSampler(ids, o.seqLen, o.seed, samplerBefore);
        throw e;
      } finally {
        tf.dispose(Object.values(acc));
      }
      step += 1;
      tokens += perStep;
      const sec = (Date.now() - tStep) / 1000;
      let row: TrainRow = {
        step, tokens, loss, lr, tokensPerSec: perStep / Math.max(sec, 1e-9),
        ...(has.kl ? { kl: partSums.kl } : {}), ...(has.ce ? { ce: partSums.ce } : {}), ...(has.is ? { is: partSums.is } : {}),
      };
      if (evalIds !== null && ((o.evalEvery > 0 && step % o.evalEvery === 0) || step === totalSteps)) {
        row = { ...row, evalLoss: evalLoss(forward, studentView(), evalIds, o.seqLen, o.batch, o.evalWindows) };
      }
      rows.push(row);
      if ((o.checkpointEvery > 0 && step % o.checkpointEvery === 0) || (step === totalSteps && ckptDir !== null)) {
        save();
        lastSaved = ckptDir;
      }
      o.onStep?.(row, { step, totalSteps, elapsedSec: (Date.now() - t0) / 1000 });
      await new Promise<void>((res) => setImmediate(res)); // let signals and timers run between steps
    }
    if (stopped === 'interrupted' && ckptDir !== null && step > startStep) {
      save();
      lastSaved = ckptDir;
    } else if (stopped === 'interrupted' && ckptDir !== null && lastSaved === null) {
      save();
      lastSaved = ckptDir;
    }
  } catch (e) {
    opt.dispose();
    tf.dispose(Object.values(vars));
    throw e;
  } finally {
    if (o.handleSigint) process.removeListener('SIGINT', onSigint);
  }
  opt.dispose();
  const params = studentView().params;
  const projections = projNames.map((n) => vars[n] as tf.Tensor);
  return { kind: 'train-history', rows, params, projections, stopped, step, totalSteps, checkpoint: lastSaved };
}

/**
 * Teacher correction: fine-tunes the teacher with cross-entropy on the distillation data (same trainer, mode 'ce').
 * @example const r = await correctTeacher({ teacher, data: ids, steps: 50, batch: 4, seqLen: 128, lr: 1e-4 });
 */
export async function correctTeacher(opts: Partial<DistillOptions> & Pick<DistillOptions, 'teacher' | 'data'>): Promise<DistillResult> {
  if (opts.teacher === null) throw new DistillOptionsError('distill: correctTeacher needs a teacher');
  return distill({ ...opts, mode: 'ce', student: opts.teacher, teacher: null });
}
