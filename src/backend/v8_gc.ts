/**
 * V8's garbage collector and OpenBLAS. OpenBLAS runs its sgemm on every core; V8's background GC threads (concurrent
 * marking above all) take a core away mid-product, and the product waits for its slowest thread. `--single-threaded-gc`
 * at start-up keeps the GC on the main thread (`minitron distill` starts node with V8_TRAIN_FLAGS), but then garbage
 * tensor storage is found later: the buffer pool keeps more idle arrays and asks for a collection after every
 * `gcEveryBytes` of tensor storage it dropped (see buffer_pool.ts). Array buffers are still released only when the
 * event loop turns, so a long synchronous inference loop that reads its outputs grows (docs/backend.md).
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** The node flags `minitron distill` (bin/minitron.js) starts with. */
export const V8_TRAIN_FLAGS = ['--single-threaded-gc'] as const;

/**
 * Whether this process runs V8's GC on the main thread only (--single-threaded-gc or --no-concurrent-marking at
 * start-up or in NODE_OPTIONS, or MINITRON_V8_CONCURRENT_MARKING=0 set at run time by selectBackend).
 * @example if (gcOnMainThread()) console.log('GC off the BLAS cores');
 */
export function gcOnMainThread(): boolean {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return args.includes('--single-threaded-gc') || args.includes('--no-concurrent-marking') || process.env.MINITRON_V8_CONCURRENT_MARKING === '0';
}

/** V8's gc(): a full collection, or with { type: 'minor' } only the young generation. */
export type GcFunction = (opts?: { type: 'minor' | 'major' }) => void;

let cached: GcFunction | null | undefined;

/**
 * V8's gc() (globalThis.gc, or exposed at run time in a fresh context), or null.
 * @example gcFunction()?.({ type: 'minor' });
 */
export function gcFunction(): GcFunction | null {
  if (cached !== undefined) return cached;
  const g = (globalThis as { gc?: unknown }).gc;
  if (typeof g === 'function') return (cached = g as GcFunction);
  try {
    v8.setFlagsFromString('--expose-gc');
    const fresh = vm.runInNewContext('gc') as unknown;
    cached = typeof fresh === 'function' ? (fresh as GcFunction) : null;
  } catch {
    cached = null;
  }
  return cached;
}
