/** Runs test/prune_reference.py (transformers + PyTorch) to make tiny checkpoints, expected scores and reference logits. */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const PY = path.join(ROOT, '.venv/bin/python');
const SCRIPT = path.join(ROOT, 'test/prune_reference.py');
/** Where the generated tiny checkpoints live (git-ignored). */
export const GEN = path.join(ROOT, 'test/fixtures/gen/prune');
/** The tiny checkpoint names made by the script. */
export const MODELS = ['llama_gqa', 'qwen2_bias', 'gpt2', 'qwen3', 'gemma3_text', 'phi3'] as const;

/** Makes the fixtures once per version of the script (stamped by its hash). */
export function ensureReference(): string {
  const hash = crypto.createHash('sha1').update(fs.readFileSync(SCRIPT)).digest('hex');
  const stamp = path.join(GEN, '.stamp');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return GEN;
  fs.rmSync(GEN, { recursive: true, force: true });
  fs.mkdirSync(GEN, { recursive: true });
  execFileSync(PY, [SCRIPT, 'make', GEN], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.writeFileSync(stamp, hash);
  return GEN;
}

/** One model for the python logits mode: an HF folder, or a source folder plus a plan sliced in torch. */
export interface RefModel { dir?: string; source?: string; plan?: unknown }

/** Reference logits [model][B][T][V] from transformers. */
export function referenceLogits(ids: number[][], models: RefModel[]): number[][][][] {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prune-ref-'));
  try {
    const req = path.join(tmp, 'req.json');
    const out = path.join(tmp, 'out.json');
    fs.writeFileSync(req, JSON.stringify({ ids, models }));
    execFileSync(PY, [SCRIPT, 'logits', req, out], { stdio: ['ignore', 'ignore', 'inherit'] });
    return (JSON.parse(fs.readFileSync(out, 'utf8')) as { logits: number[][][][] }).logits;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Largest absolute difference between two nested number arrays of the same shape. */
export function maxAbsDiff(a: unknown, b: unknown): number {
  const fa = (a as unknown[]).flat(Infinity as 1) as number[];
  const fb = (b as unknown[]).flat(Infinity as 1) as number[];
  if (fa.length !== fb.length) throw new Error(`shape mismatch: ${fa.length} vs ${fb.length} values`);
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i] - fb[i]));
  return m;
}

/** Largest relative difference |a-b| / (|b| + eps). */
export function maxRelDiff(a: unknown, b: unknown, eps = 1e-6): number {
  const fa = (a as unknown[]).flat(Infinity as 1) as number[];
  const fb = (b as unknown[]).flat(Infinity as 1) as number[];
  if (fa.length !== fb.length) throw new Error(`shape mismatch: ${fa.length} vs ${fb.length} values`);
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i] - fb[i]) / (Math.abs(fb[i]) + eps));
  return m;
}
