/**
 * This project's side of each benchmark row, run in a child process (one row per process, so peak RSS is per row):
 *   node --import tsx bench/rows.ts <row> <outDir> [backend]
 * Prints one JSON line. Rows: sgemm, tiny_step, real_forward, real_distill (fused lm_head + KL, the trainer's default),
 * real_distill_unfused (student logits materialised, then klDivLogits), real_distill_cached (the teacher read from a top-64
 * cache written once by cacheTeacher before timing, fused with the student's lm_head: what `distill --teacher-cache` runs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, loadNativeAddon, type BackendRequest } from '../src/backend/index.js';
import { TINY_DEFAULT, tinyParamShapes, distillStep, adamW, adamWUpdate } from './tiny_model.js';
import { klDivLogits } from '../src/backend/fused_ops.js';
import { linearDistillLoss } from '../src/backend/fused_loss.js';
import { bufferPool } from '../src/backend/buffer_pool.js';
import { loadModel } from '../src/io/checkpoint.js';
import { forward, forwardHidden, lmHeadWeight } from '../src/model/forward.js';
import { cacheTeacher, TeacherCache } from '../src/distill/teacher_cache.js';
import { cachedTeacherTensors } from '../src/distill/cached_kl.js';
import { ImportanceAccumulator } from '../src/importance/accumulator.js';
import type { ModelSpec, Params } from '../src/types.js';

export const REAL_MODEL_DIR = '.cache/models/smollm2-135m';
const now = () => performance.now();
const peakRssMB = () => process.resourceUsage().maxRSS / 1024;

/** Median of a list of timings (the upper one of an even count). */
const median = (x: number[]): number => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];

/** Median of the timings (ms) of `iters` calls after `warmup` calls. */
function timeIt(fn: () => void, warmup: number, iters: number): { medianMs: number; allMs: number[] } {
  for (let i = 0; i < warmup; i++) fn();
  const all: number[] = [];
  for (let i = 0; i < iters; i++) { const t0 = now(); fn(); all.push(now() - t0); }
  return { medianMs: median(all), allMs: all };
}

/** Deterministic token ids [B, T] in [0, vocab). */
export function benchIds(B: number, T: number, vocab: number): Int32Array {
  return Int32Array.from({ length: B * T }, (_, i) => (i * 7919 + 13) % vocab);
}

function sgemm(): Record<string, unknown> {
  const n = 1024, flop = 2 * n * n * n;
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1), b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const addon = loadNativeAddon().addon;
  const av = a.dataSync() as Float32Array, bv = b.dataSync() as Float32Array, c = new Float32Array(n * n);
  const zero = new Int32Array([0]);
  // Interleaved so that load from other processes hits both sides alike; medians of 15.
  const tfjsMs: number[] = [], rawMs: number[] = [];
  for (let i = 0; i < 17; i++) {
    let t0 = now();
    tf.matMul(a, b).dispose();
    if (i >= 2) tfjsMs.push(now() - t0);
    if (addon) {
      t0 = now();
      addon.gemmBatch(av, bv, c, zero, zero, n, n, n, false, false);
      if (i >= 2) rawMs.push(now() - t0);
    }
  }
  const row: Record<string, unknown> = { n, tfjsGflops: flop / median(tfjsMs) / 1e6, tfjsMs: median(tfjsMs) };
  if (addon) { row.openblasGflops = flop / median(rawMs) / 1e6; row.openblasMs = median(rawMs); }
  tf.dispose([a, b]);
  return row;
}

function readTiny(dir: string): { teacher: Record<string, tf.Tensor>; student: Record<string, tf.Variable>; ids: tf.Tensor2D; B: number; T: number } {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { B: number; T: number };
  const buf = fs.readFileSync(path.join(dir, 'weights.bin'));
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  let off = 0;
  const take = (shape: number[]) => { const n = shape.reduce((p, s) => p * s, 1); const t = tf.tensor(all.slice(off, off + n), shape); off += n; return t; };
  const teacher: Record<string, tf.Tensor> = {}, student: Record<string, tf.Variable> = {};
  for (const [name, shape] of tinyParamShapes(TINY_DEFAULT)) teacher[name] = take(shape);
  for (const [name, shape] of tinyParamShapes(TINY_DEFAULT)) student[name] = tf.variable(take(shape), true, `student.${name}`);
  const ids = tf.tensor2d(benchIds(meta.B, meta.T, TINY_DEFAULT.vocab), [meta.B, meta.T], 'int32');
  return { teacher, student, ids, ...meta };
}

function tinyStep(dir: string): Record<string, unknown> {
  const { teacher, student, ids, B, T } = readTiny(dir);
  const opt = adamW(Object.values(student));
  const losses: number[] = [];
  const t = timeIt(() => { losses.push(distillStep(TINY_DEFAULT, teacher, student, opt, ids)); }, 2, 8);
  return { B, T, stepMs: t.medianMs, tokensPerS: (B * T) / (t.medianMs / 1000), firstLosses: losses.slice(0, 3) };
}

/** A half-width student from the teacher: first half of hidden channels and MLP neurons (heads kept, head_dim explicit). */
export function halfWidth(spec: ModelSpec, params: Params): { spec: ModelSpec; params: Params } {
  const D = spec.hiddenSize / 2, F = spec.ffnHiddenSize / 2;
  const out: Params = {};
  for (const [name, t] of Object.entries(params)) {
    const s = t.shape as number[];
    let size: number[] = [...s];
    if (/embed_tokens|lm_head/.test(name)) size = [s[0], D];
    else if (/(layernorm|model\.norm)\.(weight|bias)$/.test(name)) size = [D];
    else if (/(q|k|v)_proj\.weight$/.test(name)) size = [s[0], D];
    else if (/o_proj\.weight$/.test(name)) size = [D, s[1]];
    else if (/(gate|up)_proj\.weight$/.test(name)) size = [F, D];
    else if (/down_proj\.weight$/.test(name)) size = [D, F];
    else if (/o_proj\.bias$|down_proj\.bias$/.test(name)) size = [D];
    else if (/(gate|up)_proj\.bias$/.test(name)) size = [F];
    out[name] = tf.slice(t, s.map(() => 0), size);
  }
  return { spec: { ...spec, hiddenSize: D, ffnHiddenSize: F }, params: out };
}

async function realForward(B: number, T: number): Promise<Record<string, unknown>> {
  const m = await loadModel(REAL_MODEL_DIR);
  const ids = tf.tensor2d(benchIds(B, T, m.spec.vocabSize), [B, T], 'int32');
  // The library's importance accumulator on every tap (heads, neurons, channels, block importance), as
  // estimateImportance runs it; plain and tapped forwards interleaved so that drift hits both alike.
  const plainRun = () => tf.tidy(() => { forward(m.spec, m.params, ids).dataSync(); });
  const tapsRun = () => {
    const acc = new ImportanceAccumulator(m.spec);
    tf.tidy(() => { forward(m.spec, m.params, ids, { onTap: acc.onTap }).dataSync(); });
    acc.reset();
  };
  plainRun(); tapsRun();
  const plainMs: number[] = [], tapsMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    let t0 = now(); plainRun(); plainMs.push(now() - t0);
    t0 = now(); tapsRun(); tapsMs.push(now() - t0);
  }
  const plain = { medianMs: median(plainMs) }, taps = { medianMs: median(tapsMs) };
  ids.dispose();
  tf.dispose(m.params);
  return { B, T, forwardMs: plain.medianMs, tokensPerS: (B * T) / (plain.medianMs / 1000), tapsForwardMs: taps.medianMs, tapsOverPlain: taps.medianMs / plain.medianMs };
}

/** Times (ms) of the parts of one real distillation step, filled by RealDistill.step. */
export interface DistillPhases { teacher: number; studentFwdBwd: number; adamw: number }

/** The real-model distillation step of row (c): teacher SmolLM2-135M, half-width student, KL (fused with the lm_head or not), AdamW. */
export interface RealDistill {
  studentSpec: ModelSpec;
  /** Runs one step; returns the loss before the update and fills `phases` when given. */
  step(phases?: DistillPhases): number;
}

/** How a real distillation step meets its teacher: live and fused with the lm_head, live unfused, or a top-k cache (fused). */
export type TeacherMode = 'fused' | 'unfused' | 'cached';

/** The teacher's top-64 cache of the ids [B*T] (one window per row), written once to a temporary folder. */
async function teacherCacheOf(m: { spec: ModelSpec; params: Params }, ids: Int32Array, B: number, T: number): Promise<TeacherCache> {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'minitron-bench-')), 'cache');
  await cacheTeacher(m, ids, dir, { seqLen: T, topK: 64, maxWindows: B });
  process.on('exit', () => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  return TeacherCache.open(dir);
}

/**
 * Loads the teacher, slices the half-width student and returns its train step on fixed ids [B, T]; mode 'fused'
 * (default) runs the student's lm_head and the KL as one op (linearDistillLoss), 'unfused' logits then klDivLogits,
 * 'cached' reads the teacher's top-64 cache (written before any step) instead of running it.
 * @example const d = await realDistillStep(8, 256); const loss = d.step();
 */
export async function realDistillStep(B: number, T: number, mode: TeacherMode = 'fused'): Promise<RealDistill> {
  const m = await loadModel(REAL_MODEL_DIR);
  const st = halfWidth(m.spec, m.params);
  const names = Object.keys(st.params);
  const vars = names.map((n) => tf.variable(st.params[n], true, `student.${n}`));
  const sp: Params = Object.fromEntries(names.map((n, i) => [n, vars[i]]));
  const opt = adamW(vars, 1e-4, 0.01);
  const ids = tf.tensor2d(benchIds(B, T, m.spec.vocabSize), [B, T], 'int32');
  const V = m.spec.vocabSize;
  const cache = mode === 'cached' ? await teacherCacheOf(m, benchIds(B, T, V), B, T) : null;
  const windows = Array.from({ length: B }, (_, i) => i);
  const step = (phases?: DistillPhases): number => {
    let t0 = now();
    const cached = cache ? cachedTeacherTensors(cache.batch(windows)) : null; // values, indices [B*T, 64], lse [B*T]
    const tl = cached ? null : tf.tidy(() => tf.reshape(forward(m.spec, m.params, ids), [B * T, V]) as tf.Tensor2D); // [B*T, V]
    if (phases) { phases.teacher = now() - t0; t0 = now(); }
    const teacher = cached ? { kind: 'topk' as const, ...cached } : { kind: 'logits' as const, logits: tl! };
    const { value, grads } = tf.variableGrads(() => (mode !== 'unfused'
      ? linearDistillLoss(forwardHidden(st.spec, sp, ids), lmHeadWeight(st.spec, sp), teacher, null).total
      : klDivLogits(tl!, tf.reshape(forward(st.spec, sp, ids), [B * T, V]))), vars);
    if (phases) { phases.studentFwdBwd = now() - t0; t0 = now(); }
    adamWUpdate(opt, vars, grads);
    if (phases) phases.adamw = now() - t0;
    const loss = value.dataSync()[0];
    tf.dispose([...(tl ? [tl] : []), ...(cached ? Object.values(cached) : []), value, grads]);
    return loss;
  };
  return { studentSpec: st.spec, step };
}

async function realDistill(B: number, T: number, warmup: number, iters: number, mode: TeacherMode): Promise<Record<string, unknown>> {
  const d = await realDistillStep(B, T, mode);
  const losses: number[] = [];
  const t = timeIt(() => { losses.push(d.step()); }, warmup, iters);
  const { droppedBytes, collections, collectMs } = bufferPool().getStats();
  return { B, T, warmup, iters, mode, studentHidden: d.studentSpec.hiddenSize, studentFfn: d.studentSpec.ffnHiddenSize, stepMs: t.medianMs,
    allMs: t.allMs, tokensPerS: (B * T) / (t.medianMs / 1000), firstLosses: losses.slice(0, 2), droppedMB: droppedBytes / 2 ** 20, collections, collectMs, drops: (globalThis as any).__drops };
}

/** The real distillation rows and how each meets its teacher. */
const DISTILL_ROWS: Record<string, TeacherMode> = { real_distill: 'fused', real_distill_unfused: 'unfused', real_distill_cached: 'cached' };

async function main(): Promise<void> {
  const [row, dir, backend = 'native'] = process.argv.slice(2);
  const info = await selectBackend(backend as BackendRequest, { log: false });
  const t0 = now();
  let res: Record<string, unknown>;
  if (row === 'sgemm') res = sgemm();
  else if (row === 'tiny_step') res = tinyStep(path.join(dir, 'tiny'));
  else if (row === 'real_forward') res = await realForward(8, 256);
  else if (row in DISTILL_ROWS) res = await realDistill(Number(process.env.BENCH_B ?? 8), Number(process.env.BENCH_T ?? 256),
    Number(process.env.BENCH_WARMUP ?? 2), Number(process.env.BENCH_ITERS ?? 3), DISTILL_ROWS[row] as TeacherMode);
  else throw new Error(`bench/rows.ts: unknown row '${row}', expected sgemm | tiny_step | real_forward | ${Object.keys(DISTILL_ROWS).join(' | ')}`);
  const openblas = loadNativeAddon().addon?.info().config.trim() ?? null;
  const v8Flags = process.execArgv.filter((a) => a.startsWith('--') && a !== '--import');
  process.stdout.write(JSON.stringify({ row, backend: info.name, openblas, v8Flags, ...res, wallS: (now() - t0) / 1000, peakRssMB: peakRssMB() }) + '\n');
}

if (require.main === module) main().catch((e) => { process.stdout.write(JSON.stringify({ error: String((e as Error).stack ?? e) }) + '\n'); process.exit(1); });
