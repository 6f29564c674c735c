/**
 * A recycling pool for the Float32Array outputs of the native kernels on tfjs' `cpu` backend.
 *
 * A fresh 4 MB Float32Array costs ~0.9 ms here (zero-fill, page faults, GC pressure) against ~0.07 ms to write
 * it, and a train step makes hundreds. The pool hands out arrays of exactly the requested length (contents
 * undefined: every native kernel overwrites its whole output) and takes them back when tfjs frees the tensor
 * that owns them. An array is recycled only when nothing outside the backend can still see it:
 *  - it was created by the pool and stored by exactly one backend.write (one tensor data id);
 *  - it was never returned by readSync/read (dataSync(), data(), array() hand out the backend's own array),
 *    and no view of its buffer (a subarray) was stored as another tensor's values.
 * Anything else is simply left to the garbage collector.
 */
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { gcFunction, gcOnMainThread, type GcFunction } from './v8_gc.js';

/** Options of the pool. */
export interface BufferPoolOptions {
  /** Arrays shorter than this are plain `new Float32Array(n)` (allocation is cheap there). */
  minLength: number;
  /** Idle arrays kept at most (bytes); beyond it, returned arrays go to the garbage collector. */
  maxIdleBytes: number;
  /**
   * When V8 collects on the main thread only (v8_gc.ts), run a full collection after this many bytes of freed tensor
   * storage went to the garbage collector instead of the pool (0: never).
   */
  gcEveryBytes: number;
  /** The collection to run then; null: V8's gc(), only when V8 collects on the main thread. */
  collect: GcFunction | null;
}

/**
 * Defaults: pool arrays of 16K floats (64 KB) and more; keep at most 128 MB idle (MINITRON_POOL_MB overrides), 4 GB when
 * V8 collects on the main thread (a dropped array then stays allocated until the next full collection anyway; a train
 * step frees ~5 GB in the backward that the next forward reuses); with main-thread GC, collect after every 32 MB
 * dropped (MINITRON_GC_EVERY_MB; 32 keeps an 8×256 SmolLM2 forward's peak RSS at the background-GC figure, 256 lets it
 * grow by 0.4 GB).
 */
export const DEFAULT_BUFFER_POOL_OPTIONS: BufferPoolOptions = {
  minLength: 16384,
  maxIdleBytes: Number(process.env.MINITRON_POOL_MB ?? (gcOnMainThread() ? 4096 : 128)) * 2 ** 20,
  gcEveryBytes: Number(process.env.MINITRON_GC_EVERY_MB ?? 32) * 2 ** 20,
  collect: null,
};

interface Entry { arr: Float32Array; writes: number; exposed: boolean }

/** Counters for tests and benchmarks. */
export interface BufferPoolStats { taken: number; reused: number; returned: number; idleBytes: number; droppedBytes: number; collections: number; collectMs: number }

type DataId = object;
type BackendData = { values?: unknown };

/** The pool; one per process (see bufferPool()). */
export class BufferPool {
  readonly opts: BufferPoolOptions;
  private readonly idle = new Map<number, Float32Array[]>(); // length -> idle arrays
  private readonly owned = new WeakMap<ArrayBuffer, Entry>();
  private idleBytes = 0;
  private stats = { taken: 0, reused: 0, returned: 0, droppedBytes: 0, collections: 0, collectMs: 0 };
  private sinceGc = 0;
  private gc: GcFunction | null | undefined;
  private attached: MathBackendCPU | null = null;

  constructor(opts: Partial<BufferPoolOptions> = {}) {
    this.opts = { ...DEFAULT_BUFFER_POOL_OPTIONS, ...opts };
  }

  /**
   * A Float32Array of length n with undefined contents (the caller overwrites all of it).
   * @example const out = pool.take(rows * cols); addon.softmax(x, out, cols);
   */
  take(n: number): Float32Array {
    this.collectIfDue();
    if (n < this.opts.minLength || !this.attached) return new Float32Array(n);
    this.stats.taken++;
    const list = this.idle.get(n);
    const arr = list?.pop();
    if (arr) {
      this.idleBytes -= arr.byteLength;
      this.stats.reused++;
      this.owned.set(arr.buffer as ArrayBuffer, { arr, writes: 0, exposed: false });
      return arr;
    }
    const fresh = new Float32Array(n);
    this.owned.set(fresh.buffer as ArrayBuffer, { arr: fresh, writes: 0, exposed: false });
    return fresh;
  }

  /** Counters: arrays taken, reused from idle, returned by tfjs, bytes idle now. */
  getStats(): BufferPoolStats {
    return { ...this.stats, idleBytes: this.idleBytes };
  }

  /** Drops every idle array (memory goes back to the garbage collector). */
  clear(): void {
    this.idle.clear();
    this.idleBytes = 0;
  }

  private entryOf(values: unknown): Entry | undefined {
    return values instanceof Float32Array ? this.owned.get(values.buffer as ArrayBuffer) : undefined;
  }

  private markExposed(values: unknown): void {
    const e = this.entryOf(values);
    if (e) e.exposed = true;
  }

  /** Storage of a freed tensor went to the garbage collector: collect (at the next take) when enough piled up. */
  private dropped(values: unknown): void {
    if (!ArrayBuffer.isView(values) || this.opts.gcEveryBytes <= 0) return;
    this.stats.droppedBytes += values.byteLength;
    this.sinceGc += values.byteLength;
  }

  /** The pending collection, run before an allocation (not where the dropped array is still on the stack). */
  private collectIfDue(): void {
    if (this.sinceGc < this.opts.gcEveryBytes || this.opts.gcEveryBytes <= 0) return;
    this.sinceGc = 0;
    if (this.gc === undefined) this.gc = gcOnMainThread() ? gcFunction() : null;
    const gc = this.opts.collect ?? this.gc;
    if (!gc) return;
    const t0 = performance.now();
    gc({ type: 'major' }); // scavenges do not help: the arrays' wrappers are old by the time they are dropped
    this.stats.collections++;
    this.stats.collectMs += performance.now() - t0;
  }

  private giveBack(values: unknown): void {
    const e = this.entryOf(values);
    if (!e || e.exposed || e.writes !== 1 || e.arr !== values) { this.dropped(values); return; }
    this.owned.delete(e.arr.buffer as ArrayBuffer);
    this.stats.returned++;
    if (this.idleBytes + e.arr.byteLength > this.opts.maxIdleBytes) { this.dropped(values); return; }
    const list = this.idle.get(e.arr.length) ?? [];
    list.push(e.arr);
    this.idle.set(e.arr.length, list);
    this.idleBytes += e.arr.byteLength;
  }

  /**
   * Hooks the cpu backend instance (write, move, readSync, read, disposeData) so that the pool learns which
   * arrays tensors own and when they are freed. Idempotent; detach() undoes it.
   * @example bufferPool().attach(tf.findBackend('cpu') as MathBackendCPU);
   */
  attach(backend: MathBackendCPU): void {
    if (this.attached === backend) return;
    if (this.attached) this.detach();
    const b = backend as unknown as Record<string, (...args: unknown[]) => unknown> & { data: { get(id: DataId): BackendData | undefined; has(id: DataId): boolean } };
    const orig = { write: b.write, move: b.move, readSync: b.readSync, read: b.read, disposeData: b.disposeData };
    const onStore = (values: unknown) => {
      if (!ArrayBuffer.isView(values)) return;
      const e = this.owned.get(values.buffer as ArrayBuffer);
      if (!e) return;
      e.writes++;
      if (e.arr !== values) e.exposed = true; // a view of a pooled array became another tensor's storage
    };
    b.write = function (this: unknown, values: unknown, ...rest: unknown[]) { onStore(values); return orig.write.call(this, values, ...rest); };
    b.move = function (this: unknown, dataId: unknown, values: unknown, ...rest: unknown[]) { onStore(values); return orig.move.call(this, dataId, values, ...rest); };
    b.readSync = (dataId: unknown) => {
      this.markExposed(b.data.get(dataId as DataId)?.values);
      return orig.readSync.call(backend, dataId);
    };
    b.read = (dataId: unknown) => {
      this.markExposed(b.data.get(dataId as DataId)?.values);
      return orig.read.call(backend, dataId);
    };
    b.disposeData = (dataId: unknown, force?: unknown) => {
      const values = b.data.get(dataId as DataId)?.values;
      const r = orig.disposeData.call(backend, dataId, force);
      if (values !== undefined && !b.data.has(dataId as DataId)) this.giveBack(values);
      return r;
    };
    const own = Object.keys(orig).filter((k) => Object.prototype.hasOwnProperty.call(b, k));
    this.restore = () => {
      for (const k of Object.keys(orig) as (keyof typeof orig)[]) {
        if (own.includes(k)) b[k] = orig[k];
        else delete b[k];
      }
    };
    this.attached = backend;
  }

  private restore: () => void = () => {};

  /** Restores the backend's own methods and drops idle arrays. */
  detach(): void {
    this.restore();
    this.restore = () => {};
    this.attached = null;
    this.clear();
  }
}

let shared: BufferPool | null = null;

/**
 * The process-wide pool used by the native kernels.
 * @example const out = bufferPool().take(n);
 */
export function bufferPool(): BufferPool {
  shared ??= new BufferPool();
  return shared;
}
