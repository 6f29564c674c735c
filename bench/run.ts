/**
 * Side-by-side benchmark of this project (tfjs + native kernels) and PyTorch CPU from .venv, same shapes, same
 * weights, same token ids; one child process per row and side (peak RSS is per row). Writes bench/out/report-*.json.
 *   npm run bench                          # all rows
 *   node --import tsx bench/run.ts --rows sgemm,tiny_step --backend native
 *   npm run bench -- --openblas-own-kernels  # children run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (see docs/backend.md)
 * Rows: sgemm (1024² matmul), tiny_step (2-layer D256 distillation step), real_forward (SmolLM2-135M, 8×256),
 * real_distill (teacher 135M, student at half width, 8×256, the student's lm_head fused with the KL as the trainer runs it;
 * BENCH_B / BENCH_T change the batch, median of BENCH_ITERS=3 steps after BENCH_WARMUP=2, both sides), real_distill_unfused
 * (the same step with the student's logits materialised), real_distill_cached (the teacher read from a top-64 cache written
 * before timing, fused with the student's lm_head; reported also as a ratio to the live real_distill step). Our children of the training rows start with the flags of
 * `minitron distill` (V8_TRAIN_FLAGS, src/backend/v8_gc.ts), the others without; a row name ending in `+bgc` starts ours
 * without them (V8's background GC threads), one ending in `+stgc` with them, for before/after figures. PyTorch runs
 * once per base row.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend/index.js';
import { TINY_DEFAULT, tinyWeights } from './tiny_model.js';
import { V8_TRAIN_FLAGS } from '../src/backend/v8_gc.js';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'bench', 'out');
const BASE_ROWS = ['sgemm', 'tiny_step', 'real_forward', 'real_distill', 'real_distill_unfused', 'real_distill_cached'];
const TRAIN_ROWS = ['tiny_step', 'real_distill', 'real_distill_unfused', 'real_distill_cached'];
const ALL_ROWS = ['sgemm', 'tiny_step', 'real_forward', 'real_forward+stgc', 'real_distill_unfused+bgc', 'real_distill+bgc', 'real_distill', 'real_distill_cached'];
const baseRow = (row: string): string => row.replace(/\+(bgc|stgc)$/, '');
/** The PyTorch row that a row of ours is compared with. */
const torchRow = (row: string): string => baseRow(row).replace(/_(unfused|cached)$/, '');
/** Node flags of our child for a row. */
const nodeFlags = (row: string): string[] =>
  row.endsWith('+stgc') || (TRAIN_ROWS.includes(baseRow(row)) && !row.endsWith('+bgc')) ? [...V8_TRAIN_FLAGS] : [];
type Row = Record<string, unknown> & { error?: string; peakRssMB?: number };

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

function writeTiny(B: number, T: number): void {
  const dir = path.join(OUT, 'tiny');
  fs.mkdirSync(dir, { recursive: true });
  const parts: Buffer[] = [];
  for (const seed of [1, 2]) for (const { data } of tinyWeights(TINY_DEFAULT, seed).values()) parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(parts));
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ B, T, config: TINY_DEFAULT }));
}

/** The children's environment: ours, or without the OpenBLAS core overrides when --openblas-own-kernels is given. */
const CHILD_ENV: NodeJS.ProcessEnv = { ...process.env };
if (process.argv.includes('--openblas-own-kernels')) { delete CHILD_ENV.OPENBLAS_CORETYPE; delete CHILD_ENV.OPENBLAS_L2_SIZE; }

function runChild(cmd: string, args: string[]): Row {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: CHILD_ENV, maxBuffer: 1 << 26, timeout: 1800_000 });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) return { error: `exit ${r.status} ${r.signal ?? ''}: ${(r.stderr ?? '').split('\n').slice(-6).join(' | ')}` };
  return JSON.parse(line) as Row;
}

const f = (x: unknown, d = 1) => (typeof x === 'number' ? x.toFixed(d) : '-');

function summarise(row: string, ours: Row, torch: Row): { line: string; ratios: Record<string, number> } {
  const ratios: Record<string, number> = {};
  const num = (r: Row, k: string) => (typeof r[k] === 'number' ? (r[k] as number) : NaN);
  let line: string;
  const base = baseRow(row);
  if (base === 'sgemm') {
    ratios.tfjsOverOpenblas = num(ours, 'tfjsGflops') / num(ours, 'openblasGflops');
    ratios.tfjsOverTorch = num(ours, 'tfjsGflops') / num(torch, 'torchGflops');
    line = `sgemm 1024²: tfjs ${f(ours.tfjsGflops)} GFLOP/s, raw OpenBLAS ${f(ours.openblasGflops)}, torch ${f(torch.torchGflops)} | ` +
      `tfjs/OpenBLAS ${f(ratios.tfjsOverOpenblas, 2)} (target ≥ 0.80), tfjs/torch ${f(ratios.tfjsOverTorch, 2)}`;
  } else if (base === 'real_forward') {
    ratios.oursOverTorch = num(ours, 'tokensPerS') / num(torch, 'tokensPerS');
    ratios.tapsOverPlain = num(ours, 'tapsOverPlain');
    line = `${row} 8×256: ours ${f(ours.tokensPerS, 0)} tok/s, torch ${f(torch.tokensPerS, 0)} tok/s, ratio ${f(ratios.oursOverTorch, 2)}; ` +
      `taps/plain ${f(ratios.tapsOverPlain, 2)} (target ≤ 1.10)`;
  } else {
    ratios.oursOverTorch = num(ours, 'tokensPerS') / num(torch, 'tokensPerS');
    line = `${row} ${ours.B ?? '?'}×${ours.T ?? '?'}: ours ${f(ours.stepMs, 0)} ms/step (${f(ours.tokensPerS, 0)} tok/s), torch ${f(torch.stepMs, 0)} ms/step ` +
      `(${f(torch.tokensPerS, 0)} tok/s), ratio ${f(ratios.oursOverTorch, 2)} (target ≥ 1.0); losses ours ${JSON.stringify(ours.firstLosses)} torch ${JSON.stringify(torch.firstLosses)}`;
  }
  line += ` | peak RSS ours ${f(ours.peakRssMB, 0)} MB, torch ${f(torch.peakRssMB, 0)} MB`;
  if (typeof ours.collections === 'number') line += ` | ours: ${ours.collections} pool-triggered GCs, ${f(ours.droppedMB, 0)} MB dropped to the GC`;
  if (ours.error) line += `\n    ours failed: ${ours.error}`;
  if (torch.error) line += `\n    torch failed: ${torch.error}`;
  return { line, ratios };
}

/** The cached-teacher step's time over the live (fused) step's, when both rows ran (goal ≤ 0.6). */
function cachedOverLive(rows: Record<string, { ours: Row; ratios?: Record<string, number> }>): void {
  const live = rows.real_distill?.ours.stepMs, cached = rows.real_distill_cached?.ours.stepMs;
  if (typeof live !== 'number' || typeof cached !== 'number') return;
  rows.real_distill_cached.ratios = { ...rows.real_distill_cached.ratios, cachedOverLive: cached / live };
  console.log(`[bench] cached-teacher step / live-teacher step: ${f(cached, 0)} / ${f(live, 0)} ms = ${f(cached / live, 2)} (goal ≤ 0.60)`);
}

async function main(): Promise<void> {
  const rows = arg('rows', ALL_ROWS.join(',')).split(',').filter(Boolean);
  const backend = arg('backend', 'auto');
  for (const r of rows) {
    if (!BASE_ROWS.includes(baseRow(r))) throw new Error(`bench/run.ts: unknown row '${r}', expected one of ${BASE_ROWS.join(', ')}, optionally with +bgc or +stgc`);
  }
  await selectBackend('cpu', { log: false });
  fs.mkdirSync(OUT, { recursive: true });
  writeTiny(8, 128);
  tf.disposeVariables();
  const py = path.join(ROOT, '.venv', 'bin', 'python');
  const env = { OPENBLAS_NUM_THREADS: CHILD_ENV.OPENBLAS_NUM_THREADS ?? '(unset)', OPENBLAS_CORETYPE: CHILD_ENV.OPENBLAS_CORETYPE ?? '(unset)',
    OPENBLAS_L2_SIZE: CHILD_ENV.OPENBLAS_L2_SIZE ?? '(unset)', cpus: (await import('node:os')).cpus().length };
  console.log(`[bench] rows ${rows.join(', ')}; backend ${backend}; OPENBLAS_NUM_THREADS ${env.OPENBLAS_NUM_THREADS}; ` +
    `OPENBLAS_CORETYPE ${env.OPENBLAS_CORETYPE}; OPENBLAS_L2_SIZE ${env.OPENBLAS_L2_SIZE}; ${env.cpus} CPUs (PyTorch uses its own bundled BLAS)`);
  const report: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, env, rows: {} };
  const torchRows = new Map<string, Row>();
  for (const row of rows) {
    const t0 = Date.now();
    const ours = runChild(process.execPath, [...nodeFlags(row), '--import', 'tsx', path.join('bench', 'rows.ts'), baseRow(row), OUT, backend]);
    const tr = torchRow(row);
    if (!torchRows.has(tr)) torchRows.set(tr, runChild(py, [path.join('bench', 'torch_ref.py'), tr, OUT]));
    const torch = torchRows.get(tr) as Row;
    const { line, ratios } = summarise(row, ours, torch);
    if (row === rows[0] && typeof ours.openblas === 'string') console.log(`[bench] our OpenBLAS: ${ours.openblas}`);
    console.log(`[bench] ${line}  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    (report.rows as Record<string, unknown>)[row] = { ours, torch, ratios };
  }
  cachedOverLive(report.rows as Record<string, { ours: Row }>);
  const file = path.join(OUT, `report-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(OUT, 'latest.json'), JSON.stringify(report, null, 2));
  console.log(`[bench] report ${path.relative(ROOT, file)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
