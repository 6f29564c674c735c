/**
 * A cached teacher: for every window of seqLen tokens of the distillation data, the teacher's top-k logits, their
 * token ids and the log-sum-exp over the whole vocabulary — written once, read by every KD run instead of running the
 * teacher again. A folder: cache.json (what it holds) + shard-NNNNN.safetensors (ids [W, T], values [W, T, K] f32,
 * indices [W, T, K] i32, lse [W, T] f32). Shards are written to a temp name then renamed; an interrupted build resumes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { topKWithLse } from '../backend/topk.js';
import { MinitronError } from '../errors.js';
import type { ModelLike } from '../types.js';
import { forward as modelForward } from '../model/forward.js';
import { readSafetensors, writeSafetensors, type HostTensor } from '../io/safetensors.js';
import { writeFileAtomic, writeFileAtomicWith } from '../io/atomic.js';
import { sha256Of } from '../io/digest.js';
import { toIds } from './data.js';

/** Token data: ids, or text with a tokenizer (as distill() takes). */
type TokenData = Parameters<typeof toIds>[0];

/** A missing, malformed or mismatched teacher cache. */
export class TeacherCacheError extends MinitronError {
}

/** What cache.json records. @example readCacheInfo(dir).topK */
export interface TeacherCacheInfo {
  readonly kind: 'minitron-teacher-cache';
  readonly version: 1;
  readonly seqLen: number;
  readonly topK: number;
  readonly vocabSize: number;
  /** Windows of the data covered (window w = tokens [w·T, (w+1)·T)). */
  readonly windows: number;
  readonly shardWindows: number;
  /** sha256 of the token ids of the covered windows, and of the teacher's spec. */
  readonly dataSha256: string;
  readonly teacherSpecSha256: string;
}

/** Options of cacheTeacher. @example cacheTeacher(teacher, data, 'runs/cache', { seqLen: 256, topK: 64 }) */
export interface CacheTeacherOptions {
  seqLen: number;
  topK: number;
  /** Teacher forward batch (windows per pass). */
  batch: number;
  /** Windows per shard file. */
  shardWindows: number;
  /** Cache at most this many windows (0: every whole window of the data). */
  maxWindows: number;
  onProgress: ((done: number, total: number) => void) | null;
  signal: AbortSignal | null;
}

/** Defaults: top-64 logits, 8 windows per forward, 64 per shard. @example { ...DEFAULT_CACHE_TEACHER_OPTIONS, seqLen: 128 } */
export const DEFAULT_CACHE_TEACHER_OPTIONS: CacheTeacherOptions = {
  seqLen: 256, topK: 64, batch: 8, shardWindows: 64, maxWindows: 0, onProgress: null, signal: null,
};

const shardName = (i: number): string => `shard-${String(i).padStart(5, '0')}.safetensors`;

function planInfo(teacher: ModelLike, ids: Int32Array, o: CacheTeacherOptions): TeacherCacheInfo {
  const all = Math.floor(ids.length / o.seqLen);
  const windows = o.maxWindows > 0 ? Math.min(o.maxWindows, all) : all;
  if (windows < 1) throw new TeacherCacheError(`teacher cache: ${ids.length} tokens are fewer than one window of seqLen ${o.seqLen}`);
  const V = teacher.spec.vocabSize;
  if (!Number.isInteger(o.topK) || o.topK < 1 || o.topK > V) throw new TeacherCacheError(`teacher cache: topK must be an integer in [1, ${V}], got ${o.topK}`);
  for (const k of ['batch', 'shardWindows'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new TeacherCacheError(`teacher cache: option '${k}' must be an integer >= 1, got ${o[k]}`);
  }
  return {
    kind: 'minitron-teacher-cache', version: 1, seqLen: o.seqLen, topK: o.topK, vocabSize: V, windows, shardWindows: o.shardWindows,
    dataSha256: sha256Of(ids.subarray(0, windows * o.seqLen)), teacherSpecSha256: sha256Of(teacher.spec),
  };
}

/** Teacher top-k logits, ids and log-sum-exp for b windows. */
function teacherStats(teacher: ModelLike, x: Int32Array, b: number, T: number, K: number): Map<string, HostTensor> {
  const [values, indices, lse] = tf.tidy(() => {
    const logits = modelForward(teacher.spec, teacher.params, tf.tensor2d(x, [b, T], 'int32')); // [b, T, V]
    const flat = tf.reshape(logits, [b * T, teacher.spec.vocabSize]) as tf.Tensor2D; // [b*T, V]
    const top = topKWithLse(flat, K); // values, ids [b*T, K]; lse [b*T]
    return [top.values, top.indices, top.lse];
  });
  try {
    return new Map<string, HostTensor>([
      ['ids', { dtype: 'int32', shape: [b, T], data: x }],
      ['values', { dtype: 'float32', shape: [b, T, K], data: values.dataSync() as Float32Array }],
      ['indices', { dtype: 'int32', shape: [b, T, K], data: indices.dataSync() as Int32Array }],
      ['lse', { dtype: 'float32', shape: [b, T], data: lse.dataSync() as Float32Array }],
    ]);
  } finally {
    tf.dispose([values, indices, lse]);
  }
}

function concatHost(parts: Map<string, HostTensor>[]): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const name of ['ids', 'values', 'indices', 'lse']) {
    const ts = parts.map((p) => p.get(name) as HostTensor);
    const n = ts.reduce((s, t) => s + t.data.length, 0);
    const data = ts[0]!.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    let off = 0;
    for (const t of ts) { data.set(t.data as ArrayLike<number>, off); off += t.data.length; }
    out.set(name, { dtype: ts[0]!.dtype, shape: [ts.reduce((s, t) => s + (t.shape[0] as number), 0), ...ts[0]!.shape.slice(1)], data });
  }
  return out;
}

function writeInfo(dir: string, info: TeacherCacheInfo): void {
  const file = path.join(dir, 'cache.json');
  if (fs.existsSync(file)) {
    const old = readCacheInfo(dir);
    for (const k of ['seqLen', 'topK', 'vocabSize', 'windows', 'shardWindows', 'dataSha256', 'teacherSpecSha256'] as const) {
      if (old[k] !== info[k]) throw new TeacherCacheError(`teacher cache ${dir} was made with ${k}=${String(old[k])}, this call has ${k}=${String(info[k])}: choose another folder`);
    }
    return;
  }
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(file, JSON.stringify(info, null, 2));
}

/**
 * Runs the teacher once over the data and writes its top-k logits per window (resumes an interrupted build).
 * @example const info = await cacheTeacher(teacher, { text, tokenizer }, 'runs/cache', { seqLen: 256, topK: 64 });
 */
export async function cacheTeacher(teacher: ModelLike, data: TokenData, dir: string, opts: Partial<CacheTeacherOptions> = {}): Promise<TeacherCacheInfo> {
  const o = { ...DEFAULT_CACHE_TEACHER_OPTIONS, ...opts };
  const ids = toIds(data, teacher.spec.vocabSize);
  const info = planInfo(teacher, ids, o);
  writeInfo(dir, info);
  const T = o.seqLen;
  const shards = Math.ceil(info.windows / o.shardWindows);
  for (let s = 0; s < shards; s++) {
    const file = path.join(dir, shardName(s));
    const w0 = s * o.shardWindows, w1 = Math.min(info.windows, w0 + o.shardWindows);
    if (!fs.existsSync(file)) {
      const parts: Map<string, HostTensor>[] = [];
      for (let w = w0; w < w1; w += o.batch) {
        if (o.signal?.aborted) throw new TeacherCacheError(`teacher cache: stopped after ${s} of ${shards} shards; call again to resume`);
        const b = Math.min(o.batch, w1 - w);
        parts.push(teacherStats(teacher, ids.slice(w * T, (w + b) * T), b, T, o.topK));
        await new Promise<void>((res) => setImmediate(res));
      }
      writeFileAtomicWith(file, (tmp) => writeSafetensors(tmp, concatHost(parts), { format: 'minitron-teacher-cache' }));
    }
    o.onProgress?.(w1, info.windows);
  }
  return info;
}

/**
 * Reads and checks cache.json.
 * @example readCacheInfo('runs/cache').windows
 */
export function readCacheInfo(dir: string): TeacherCacheInfo {
  const file = path.join(dir, 'cache.json');
  let j: TeacherCacheInfo;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8')) as TeacherCacheInfo;
  } catch (e) {
    const why = e instanceof SyntaxError ? `is not valid JSON (${e.message})` : `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    throw new TeacherCacheError(`teacher cache: ${file} ${why}; expected a folder written by cacheTeacher`);
  }
  if (j?.kind !== 'minitron-teacher-cache' || j.version !== 1) throw new TeacherCacheError(`teacher cache: ${file} is not a minitron teacher cache (kind/version)`);
  return j;
}

/** Cached teacher statistics of a batch of windows, flat row-major. */
export interface CachedBatch {
  readonly windows: number;
  readonly seqLen: number;
  readonly topK: number;
  readonly ids: Int32Array; // [B*T]
  readonly values: Float32Array; // [B*T*K]
  readonly indices: Int32Array; // [B*T*K]
  readonly lse: Float32Array; // [B*T]
}

/**
 * A complete teacher cache, read shard by shard on demand (each shard kept once read).
 * @example const c = TeacherCache.open('runs/cache'); const b = c.batch([3, 17]);
 */
export class TeacherCache {
  private readonly shards = new Map<number, Map<string, HostTensor>>();

  private constructor(readonly dir: string, readonly info: TeacherCacheInfo) {}

  /** Opens a cache folder; an incomplete build is an error naming the first missing shard. @example TeacherCache.open(dir) */
  static open(dir: string): TeacherCache {
    const info = readCacheInfo(dir);
    const n = Math.ceil(info.windows / info.shardWindows);
    for (let s = 0; s < n; s++) {
      if (!fs.existsSync(path.join(dir, shardName(s)))) {
        throw new TeacherCacheError(`teacher cache ${dir} is incomplete: ${shardName(s)} of ${n} shards is missing; run cacheTeacher again with the same options to finish it`);
      }
    }
    return new TeacherCache(dir, info);
  }

  /** Throws unless the cache was made from these token ids with this seqLen and vocabulary. @example c.check(ids, 256, 49152) */
  check(ids: Int32Array, seqLen: number, vocabSize: number): void {
    const i = this.info;
    if (i.seqLen !== seqLen) throw new TeacherCacheError(`teacher cache ${this.dir} holds windows of ${i.seqLen} tokens, the run uses seqLen ${seqLen}`);
    if (i.vocabSize !== vocabSize) throw new TeacherCacheError(`teacher cache ${this.dir} has vocabulary ${i.vocabSize}, the student has ${vocabSize}`);
    if (ids.length < i.windows * seqLen || sha256Of(ids.subarray(0, i.windows * seqLen)) !== i.dataSha256) {
      throw new TeacherCacheError(`teacher cache ${this.dir} was made from other data (sha256 of its ${i.windows} windows differs)`);
    }
  }

  private shard(s: number): Map<string, HostTensor> {
    let m = this.shards.get(s);
    if (m === undefined) {
      m = readSafetensors(path.join(this.dir, shardName(s)));
      this.shards.set(s, m);
    }
    return m;
  }

  /** Statistics of the given windows (indices into the data's windows), in that order. @example c.batch([0, 5]).values */
  batch(windows: readonly number[]): CachedBatch {
    const { seqLen: T, topK: K, shardWindows: SW } = this.info;
    const B = windows.length;
    const out = { ids: new Int32Array(B * T), values: new Float32Array(B * T * K), indices: new Int32Array(B * T * K), lse: new Float32Array(B * T) };
    windows.forEach((w, i) => {
      if (!Number.isInteger(w) || w < 0 || w >= this.info.windows) throw new TeacherCacheError(`teacher cache ${this.dir}: window ${w} is outside [0, ${this.info.windows})`);
      const m = this.shard(Math.floor(w / SW));
      const r = w % SW;
      out.ids.set((m.get('ids')!.data as Int32Array).subarray(r * T, (r + 1) * T), i * T);
      out.values.set((m.get('values')!.data as Float32Array).subarray(r * T * K, (r + 1) * T * K), i * T * K);
      out.indices.set((m.get('indices')!.data as Int32Array).subarray(r * T * K, (r + 1) * T * K), i * T * K);
      out.lse.set((m.get('lse')!.data as Float32Array).subarray(r * T, (r + 1) * T), i * T);
    });
    return { windows: B, seqLen: T, topK: K, ...out };
  }
}
