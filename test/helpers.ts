/**
 * Shared test helpers: fixture paths (made by test/make_fixtures.py with transformers), backend set-up, comparisons.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend/index.js';
import { readSafetensors, type HostTensor } from '../src/io/safetensors.js';
import { forward } from '../src/model/forward.js';
import type { ModelSpec, Params } from '../src/types.js';

export const ROOT = path.resolve(__dirname, '..');
export const GEN = path.join(ROOT, 'test', 'fixtures', 'gen');
export const REAL_MODEL = path.join(ROOT, '.cache', 'models', 'smollm2-135m');
/** The second real model, Gemma 3 270M (scripts/convert_gguf.py gemma3-270m). */
export const GEMMA_MODEL = path.join(ROOT, '.cache', 'models', 'gemma3-270m');
export const TINY_MODELS = ['gpt2_tied', 'gpt2_untied', 'llama_gqa', 'llama_tied_headdim', 'llama3_rope', 'mistral_window', 'qwen2_bias', 'qwen3_qknorm', 'gemma3_text', 'phi3_longrope'];

/** Select the default backend once per test file. */
export async function setup(): Promise<string> {
  return (await selectBackend()).name;
}

/** Reference tensors saved by make_fixtures.py. */
export function reference(file: string): Map<string, HostTensor> {
  if (!fs.existsSync(file)) throw new Error(`${file} missing: run bash scripts/setup.sh (test/make_fixtures.py)`);
  return readSafetensors(file);
}

/** Max |a - b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Run fn and assert it leaves no tensors behind. */
export async function noLeaks<T>(fn: () => Promise<T> | T): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
  return out;
}

const madeTmpDirs: string[] = [];
process.once('exit', () => {
  if (process.env.MINITRON_KEEP_TMP === '1') return; // kept for a look after a failure
  for (const d of madeTmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Temp folder for a test, removed when the test process exits (MINITRON_KEEP_TMP=1 keeps it). */
export function tmpDir(name: string): string {
  const d = fs.mkdtempSync(path.join(require('node:os').tmpdir(), `minitron-${name}-`));
  madeTmpDirs.push(d);
  return d;
}

/** Max |Δlogit| between our forward on the reference ids and transformers' saved logits; asserts no tensor leaks. */
export async function logitDiff(spec: ModelSpec, params: Params, ref: Map<string, HostTensor>): Promise<number> {
  const ids = ref.get('ids')!;
  const idsT = tf.tensor2d(ids.data as Int32Array, ids.shape as [number, number], 'int32');
  const got = await noLeaks(async () => {
    const out = forward(spec, params, idsT);
    const d = await out.data();
    out.dispose();
    return d;
  });
  idsT.dispose();
  return maxAbsDiff(got, ref.get('logits')!.data);
}

/**
 * Runs a CLI command and returns what it printed with console.log, line by line (stderr silenced when `quiet`).
 * @example const lines = await captureLog(() => pruneCmd([...])); lines.at(-1)
 */
export async function captureLog(fn: () => Promise<void>, quiet = false): Promise<string[]> {
  const lines: string[] = [];
  const orig = console.log;
  const origErr = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  if (quiet) process.stderr.write = (() => true) as typeof process.stderr.write;
  try { await fn(); } finally { console.log = orig; process.stderr.write = origErr; }
  return lines;
}
