/**
 * The named steps of distill(): resolve the run (no tensors yet), create the training state (variables, projections,
 * optimiser moments), restore it from a checkpoint, accumulate the gradients of one step, update (clip, non-finite
 * check, AdamW) and save. The loop that calls them is distill() in trainer.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { MinitronError } from '../errors.js';
import { LOSS_TERM_NAMES, type LossTerm, type Params, type TrainRow } from '../types.js';
import { AdamW, clipCoefficient, globalNorm } from './optim.js';
import { WindowSampler, toIds, type SamplerState } from './data.js';
import { DistillCheckpointError, hasTrainCheckpoint, loadTrainCheckpoint, saveTrainCheckpoint } from './train_state.js';
import { microStep, type ForwardFn, type ModelLike } from './step.js';
import { TeacherCache } from './teacher_cache.js';
import { cachedTeacherTensors, type CachedTeacher } from './cached_kl.js';
import { DistillOptionsError, type TrainOptions } from './trainer_options.js';
import { Rng } from '../data/rng.js';
import { forward as modelForward } from '../model/forward.js';

/** Raised when the loss or the gradient norm becomes NaN or infinite; the last good checkpoint is left in place. @example catch (e) { if (e instanceof NonFiniteLossError) resumeFrom(e.checkpoint); } */
export class NonFiniteLossError extends MinitronError {
  constructor(readonly step: number, readonly value: number, readonly checkpoint: string | null) {
    super(`distill: non-finite ${Number.isFinite(value) ? 'gradient norm' : 'loss'} (${value}) at step ${step}; no update applied; last good checkpoint: ${checkpoint ?? 'none'}`);
  }
}

/** What a run's checkpoint must agree on to be resumed. @example plan.shape // { batch: 8, seqLen: 256, accum: 1, mode: 'kd', dataTokens: 1e6, totalSteps: 500 } */
export interface RunShape { batch: number; seqLen: number; accum: number; mode: string; dataTokens: number; totalSteps: number }

/** Everything derived from the options before any tensor exists. @example const plan: RunPlan = resolveRun(o); */
export interface RunPlan {
  forward: ForwardFn;
  ids: Int32Array;
  evalIds: Int32Array | null;
  /** Tokens per optimiser step (batch x seqLen x accum). */
  perStep: number;
  totalSteps: number;
  /** <outDir>/checkpoint, or null without outDir. */
  ckptDir: string | null;
  shape: RunShape;
  /** The cached teacher, checked against ids (which then cover exactly its windows), or null for a live teacher. */
  cache: TeacherCache | null;
}

/** JSON part of a training checkpoint. @example loadTrainCheckpoint<SavedState>(dir).state.step */
export interface SavedState {
  version: 1;
  step: number;
  tokens: number;
  optimStep: number;
  sampler: SamplerState;
  rows: TrainRow[];
  run: RunShape;
}

/** The mutable training state; its tensors are `vars` (student copies and projections) and the optimiser's moments. @example const st: TrainState = newTrainState(o, plan); */
export interface TrainState {
  vars: Record<string, tf.Variable>;
  projNames: string[];
  opt: AdamW | null;
  sampler: WindowSampler;
  step: number;
  tokens: number;
  rows: TrainRow[];
  /** Directory of the last checkpoint written (or found), for NonFiniteLossError. */
  lastSaved: string | null;
}

/** Gradients of one optimiser step (averaged over the micro-batches) with the loss and its parts. @example const g: StepGrads = accumulate(st, o, plan); */
export interface StepGrads {
  grads: Record<string, tf.Tensor>;
  loss: number;
  parts: Partial<Record<LossTerm, number>>;
}

/**
 * Derives the run from merged options: token ids (checked against the vocabulary), step count, checkpoint dir.
 * @example const plan = resolveRun(o); plan.totalSteps
 */
export function resolveRun(o: TrainOptions): RunPlan {
  const { ids, cache } = dataAndCache(o);
  const evalIds = o.evalData === null ? null : toIds(o.evalData, o.student.spec.vocabSize);
  const perStep = o.batch * o.seqLen * o.accum;
  const totalSteps = o.steps > 0 ? o.steps : Math.ceil(o.tokens / perStep);
  if (!(totalSteps >= 1)) throw new DistillOptionsError(`distill: give 'steps' or 'tokens' > 0 (got steps ${o.steps}, tokens ${o.tokens})`);
  if (o.loss.weights.is !== 0 && o.states.length === 0) throw new DistillOptionsError('distill: loss.weights.is != 0 needs at least one state pair in `states`');
  const ckptDir = o.outDir === null ? null : path.join(o.outDir, 'checkpoint');
  const shape: RunShape = { batch: o.batch, seqLen: o.seqLen, accum: o.accum, mode: o.mode, dataTokens: ids.length, totalSteps };
  return { forward: o.forward ?? modelForward, ids, evalIds, perStep, totalSteps, ckptDir, shape, cache };
}

/** Token ids of the run; with a teacher cache, checked against it and cut to the windows it covers. */
function dataAndCache(o: TrainOptions): { ids: Int32Array; cache: TeacherCache | null } {
  const ids = toIds(o.data, o.student.spec.vocabSize);
  if (o.teacherCache === null) return { ids, cache: null };
  const cache = typeof o.teacherCache === 'string' ? TeacherCache.open(o.teacherCache) : o.teacherCache;
  cache.check(ids, o.seqLen, o.student.spec.vocabSize);
  return { ids: ids.subarray(0, cache.info.windows * o.seqLen), cache };
}

/** One micro-batch: its ids [B, T] and, with a teacher cache, the cached teacher of the same windows (caller disposes). */
function microBatch(st: TrainState, o: TrainOptions, plan: RunPlan): { x: tf.Tensor2D; cached: CachedTeacher | null } {
  if (plan.cache === null) return { x: tf.tensor2d(st.sampler.next(o.batch), [o.batch, o.seqLen], 'int32'), cached: null }; // [B, T]
  const b = plan.cache.batch(st.sampler.nextWindows(o.batch));
  return { x: tf.tensor2d(b.ids, [o.batch, o.seqLen], 'int32'), cached: cachedTeacherTensors(b) }; // [B, T]
}

/**
 * A fresh state without tensors (the sampler checks that the data holds one window); createTensors fills it.
 * @example const st = newTrainState(o, plan);
 */
export function newTrainState(o: TrainOptions, plan: RunPlan): TrainState {
  const sampler = new WindowSampler(plan.ids, o.seqLen, o.seed);
  const lastSaved = plan.ckptDir !== null && hasTrainCheckpoint(plan.ckptDir) ? plan.ckptDir : null;
  return { vars: {}, projNames: [], opt: null, sampler, step: 0, tokens: 0, rows: [], lastSaved };
}

function stateWidth(spec: ModelLike['spec'], tap: string): number {
  if (tap === 'attn_ctx') return spec.numHeads * spec.headDim;
  if (tap === 'mlp_fc1' || tap === 'mlp_act') return spec.ffnHiddenSize;
  return spec.hiddenSize;
}

/**
 * Creates the trainable tensors into `st` one by one (so the caller's cleanup sees every one made): variable copies
 * of the student's weights (the caller's tensors never change), one projection per state pair, AdamW moments.
 * @example st = newTrainState(o, plan); try { createTensors(st, o); ... } finally { disposeTrainState(st); }
 */
export function createTensors(st: TrainState, o: TrainOptions): void {
  for (const [n, t] of Object.entries(o.student.params)) st.vars[n] = tf.variable(t, true);
  if (o.loss.weights.is !== 0 && o.teacher) {
    const teacherSpec = o.teacher.spec;
    const r = new Rng(o.seed ^ 0x5eed);
    o.states.forEach((p, i) => {
      const ds = stateWidth(o.student.spec, p.student.tap);
      const dt = stateWidth(teacherSpec, p.teacher.tap);
      const name = `distill.proj.${i}`;
      const init = ds === dt
        ? tf.eye(dt) // [Dt, Dt]
        : tf.tensor2d(Float32Array.from({ length: dt * ds }, () => r.normal() / Math.sqrt(ds)), [dt, ds]); // [Dt, Ds]
      try {
        st.vars[name] = tf.variable(init, true);
      } finally {
        init.dispose();
      }
      st.projNames.push(name);
    });
  }
  st.opt = new AdamW(st.vars, { ...o.adam, weightDecay: o.weightDecay, decay: (n, v) => v.rank >= 2 && !n.startsWith('distill.proj') && !n.includes('embed') });
}

/**
 * Frees the optimiser moments, and the variables too unless they are handed to the caller.
 * @example disposeTrainState(st, { keepVars: true });
 */
export function disposeTrainState(st: TrainState, keepVars: boolean): void {
  st.opt?.dispose();
  st.opt = null;
  if (!keepVars) tf.dispose(Object.values(st.vars));
}

/**
 * Loads <outDir>/checkpoint into the state after checking the run shape and every weight shape.
 * @example if (o.resume && hasTrainCheckpoint(dir)) restoreState(st, o, plan);
 */
export function restoreState(st: TrainState, o: TrainOptions, plan: RunPlan): void {
  const dir = plan.ckptDir as string;
  const ck = loadTrainCheckpoint<SavedState>(dir);
  try {
    for (const [k, v] of Object.entries(plan.shape)) {
      const saved = (ck.state.run as unknown as Record<string, unknown>)[k];
      if (saved !== v) throw new DistillCheckpointError(`distill: checkpoint ${dir} was made with ${k}=${String(saved)}, this run has ${k}=${String(v)}`);
    }
    for (const [n, v] of Object.entries(st.vars)) {
      const w = ck.weights[n];
      if (!w || w.shape.join() !== v.shape.join()) throw new DistillCheckpointError(`distill: checkpoint ${dir} weight '${n}' is missing or has shape [${w?.shape}], expected [${v.shape}]`);
      v.assign(w);
    }
    const m: Record<string, tf.Tensor> = {};
    const vv: Record<string, tf.Tensor> = {};
    for (const [k, t] of Object.entries(ck.optim)) {
      if (k.startsWith('m:')) m[k.slice(2)] = t;
      else if (k.startsWith('v:')) vv[k.slice(2)] = t;
    }
    (st.opt as AdamW).loadState({ step: ck.state.optimStep, m, v: vv });
    st.sampler = new WindowSampler(plan.ids, o.seqLen, o.seed, ck.state.sampler);
    st.step = ck.state.step;
    st.tokens = ck.state.tokens;
    st.rows = ck.state.rows;
  } finally {
    tf.dispose([...Object.values(ck.weights), ...Object.values(ck.optim)]);
  }
}

/**
 * Writes the state atomically to <outDir>/checkpoint (no-op without outDir) and remembers it as the last good one.
 * @example if (step % every === 0) saveState(st, plan);
 */
export function saveState(st: TrainState, plan: RunPlan): void {
  if (plan.ckptDir === null) return;
  const os = (st.opt as AdamW).state();
  const optim: Record<string, tf.Tensor> = {};
  for (const n of Object.keys(os.m)) {
    optim[`m:${n}`] = os.m[n] as tf.Tensor;
    optim[`v:${n}`] = os.v[n] as tf.Tensor;
  }
  const state: SavedState = { version: 1, step: st.step, tokens: st.tokens, optimStep: os.step, sampler: st.sampler.state, rows: st.rows, run: plan.shape };
  saveTrainCheckpoint(plan.ckptDir, { weights: st.vars, optim, state });
  st.lastSaved = plan.ckptDir;
}

/** Adds one micro-batch's gradients (scaled by 1/accum) into `acc`, disposing what it replaces. */
function addGrads(acc: StepGrads, grads: Record<string, tf.Tensor>, accum: number): void {
  for (const [n, g] of Object.entries(grads)) {
    const prev = acc.grads[n];
    acc.grads[n] = prev === undefined ? (accum === 1 ? g : tf.mul(g, 1 / accum)) : tf.tidy(() => tf.add(prev, tf.mul(g, 1 / accum)));
    if (prev !== undefined) prev.dispose();
    if (accum !== 1) g.dispose();
  }
}

/**
 * Frees what tfjs' gradient tape saved for a backward pass that will never run: when the function given to
 * tf.variableGrads throws, the engine leaves the tape (and the tensors its kernels saved) until the next gradient
 * call, which drops them without disposing. Only at gradient depth 0 (not inside an outer gradient).
 */
function releaseTape(): void {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number; activeTape: { saved?: tf.Tensor[] }[] | null } }).state;
  if (state.gradientDepth !== 0 || state.activeTape === null) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null;
}

/**
 * Runs `accum` micro-batches of the sampler's next windows and averages their gradients and losses.
 * @example const g = accumulate(st, o, plan); try { update(st, o, g, lr); } finally { tf.dispose(Object.values(g.grads)); }
 */
export function accumulate(st: TrainState, o: TrainOptions, plan: RunPlan): StepGrads {
  const acc: StepGrads = { grads: {}, loss: 0, parts: {} };
  try {
    for (let a = 0; a < o.accum; a++) {
      const { x, cached } = microBatch(st, o, plan);
      let r;
      try {
        r = microStep({ forward: plan.forward, teacher: o.teacher, studentSpec: o.student.spec, vars: st.vars, projNames: st.projNames, states: o.states, ids: x, loss: o.loss, cached });
      } finally {
        tf.dispose([x, ...(cached ? Object.values(cached) : [])]);
      }
      acc.loss += r.loss / o.accum;
      for (const k of LOSS_TERM_NAMES) {
        const v = r[k];
        if (v !== null) acc.parts[k] = (acc.parts[k] ?? 0) + v / o.accum;
      }
      addGrads(acc, r.grads, o.accum);
    }
    return acc;
  } catch (e) {
    releaseTape();
    tf.dispose(Object.values(acc.grads));
    throw e;
  }
}

/**
 * One AdamW update at `lr`: refuses a non-finite loss or gradient norm (NonFiniteLossError, no update), clips the
 * global norm to o.clip. Replaces clipped gradients in `g.grads`; the caller disposes them.
 * @example update(st, o, g, 1e-3);
 */
export function update(st: TrainState, o: TrainOptions, g: StepGrads, lr: number): void {
  const norm = globalNorm(g.grads);
  if (!Number.isFinite(g.loss)) throw new NonFiniteLossError(st.step, g.loss, st.lastSaved);
  if (!Number.isFinite(norm)) throw new NonFiniteLossError(st.step, norm, st.lastSaved);
  const coef = clipCoefficient(norm, o.clip);
  if (coef < 1) {
    for (const [n, t] of Object.entries(g.grads)) {
      g.grads[n] = tf.mul(t, coef);
      t.dispose();
    }
  }
  (st.opt as AdamW).step(g.grads, lr);
}

/**
 * The student as a model over the state's variables (no copies).
 * @example evalLoss(forward, studentView(st, o), ids, 128, 4, 16)
 */
export function studentView(st: TrainState, o: TrainOptions): ModelLike {
  const params: Params = {};
  for (const n of Object.keys(o.student.params)) params[n] = st.vars[n] as tf.Variable;
  return { spec: o.student.spec, params };
}

/**
 * The training row of a finished step (loss parts present only when computed).
 * @example st.rows.push(trainRow(st, g, lr, perStep, sec));
 */
export function trainRow(st: TrainState, g: StepGrads, lr: number, perStep: number, sec: number): TrainRow {
  return { step: st.step, tokens: st.tokens, loss: g.loss, lr, tokensPerSec: perStep / Math.max(sec, 1e-9), ...g.parts };
}
