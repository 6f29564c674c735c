/**
 * Reproducibility stamp: what a notebook or run needs to be reproduced — package versions, backend and BLAS, CPU,
 * seed, and sha256 digests of the model weights, the data and the plan. Plain JSON; `mt.display` renders it as a table
 * and as `application/vnd.minitron.stamp+json`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backendInfo } from '../backend/index.js';
import { sha256File, sha256Of, sha256Weights } from './digest.js';

/** A reproducibility stamp (JSON). @example const s: Stamp = mt.stamp({ seed: 0 }); s.sha256.model */
export interface Stamp {
  readonly kind: 'stamp';
  readonly time: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly git: { readonly commit: string; readonly dirty: boolean } | null;
  readonly backend: { readonly name: string; readonly tfjs: string; readonly blas: string | null } | null;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGb: number; readonly os: string };
  readonly env: Readonly<Record<string, string>>;
  readonly seed: number | null;
  /** sha256 (hex) per named input: model weights, data, plan, files. */
  readonly sha256: Readonly<Record<string, string>>;
}

/** What to stamp. @example mt.stamp({ seed: 0, model: MODEL, data: { sotu: text }, plan }) */
export interface StampOptions {
  seed: number | null;
  /** A checkpoint folder, or a loaded model (its `dir` is hashed). */
  model: string | { dir: string } | null;
  /** Named texts or token arrays (e.g. calibration and evaluation corpora). */
  data: Record<string, string | ArrayBufferView>;
  plan: object | null;
  /** Other named files (a teacher cache, a task file). */
  files: Record<string, string>;
  /** Other named JSON values (options of a run). */
  extra: Record<string, unknown>;
}

/** Defaults: nothing hashed. @example mt.stamp({ ...DEFAULT_STAMP_OPTIONS, seed: 1 }) */
export const DEFAULT_STAMP_OPTIONS: StampOptions = { seed: null, model: null, data: {}, plan: null, files: {}, extra: {} };

/** Environment variables that change results or speed, recorded when set. */
const ENV_KEYS = ['MINITRON_BACKEND', 'MINITRON_SHORT', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS'] as const;

function packageRoot(): string | null {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    const f = path.join(d, 'package.json');
    if (fs.existsSync(f) && (JSON.parse(fs.readFileSync(f, 'utf8')) as { name?: string }).name === 'minitron') return d;
  }
  return null;
}

/** Version of an installed package (its package.json found upwards from its entry point), or null. */
function packageVersion(name: string): string | null {
  try {
    for (let d = path.dirname(require.resolve(name)); d !== path.dirname(d); d = path.dirname(d)) {
      const f = path.join(d, 'package.json');
      if (!fs.existsSync(f)) continue;
      const j = JSON.parse(fs.readFileSync(f, 'utf8')) as { name?: string; version?: string };
      if (j.name === name) return j.version ?? null;
    }
  } catch { /* not resolvable from this copy of the library */ }
  return null;
}

function gitState(root: string | null): Stamp['git'] {
  if (root === null || !fs.existsSync(path.join(root, '.git'))) return null;
  try {
    const run = (args: string[]): string => execFileSync('git', args, { cwd: root, timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return { commit: run(['rev-parse', 'HEAD']), dirty: run(['status', '--porcelain', '--untracked-files=no']).length > 0 };
  } catch {
    return null;
  }
}

function versions(root: string | null): Record<string, string> {
  const v: Record<string, string> = { node: process.versions.node };
  for (const pkg of ['@tensorflow/tfjs-core', '@huggingface/tokenizers']) {
    const ver = packageVersion(pkg);
    if (ver !== null) v[pkg] = ver;
  }
  if (root !== null) v.minitron = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return v;
}

function digests(o: StampOptions): Record<string, string> {
  const out: Record<string, string> = {};
  if (o.model !== null) out.model = sha256Weights(typeof o.model === 'string' ? o.model : o.model.dir);
  for (const [k, v] of Object.entries(o.data)) out[`data:${k}`] = sha256Of(v);
  if (o.plan !== null) out.plan = sha256Of(o.plan);
  for (const [k, f] of Object.entries(o.files)) out[`file:${k}`] = sha256File(f);
  for (const [k, v] of Object.entries(o.extra)) out[`extra:${k}`] = sha256Of(v);
  return out;
}

/**
 * A reproducibility stamp of this process and the given inputs (weights hashed from disk: ~1 s per 500 MB).
 * @example mt.stamp({ seed: 0, model: '.cache/models/smollm2-135m', data: { moby: mt.mobyDickText() } })
 */
export function stamp(opts: Partial<StampOptions> = {}): Stamp {
  const o = { ...DEFAULT_STAMP_OPTIONS, ...opts };
  const root = packageRoot();
  const b = backendInfo();
  const cpus = os.cpus();
  const env: Record<string, string> = {};
  for (const k of ENV_KEYS) if (process.env[k] !== undefined) env[k] = process.env[k] as string;
  return {
    kind: 'stamp',
    time: new Date().toISOString(),
    versions: versions(root),
    git: gitState(root),
    backend: b ? { name: b.name, tfjs: b.tfjsBackend, blas: b.blas ? `${b.blas.config.trim()}, ${b.blas.threads} threads` : null } : null,
    machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGb: Math.round(os.totalmem() / 2 ** 30), os: `${os.platform()} ${os.release()}` },
    env,
    seed: o.seed,
    sha256: digests(o),
  };
}
