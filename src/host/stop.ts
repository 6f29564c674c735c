/**
 * The one stop channel of library loops: an AbortSignal. A loop combines the caller's `signal` option with the
 * host's stop signal (the minitron kernel installs one per executing cell, aborted on interrupt_request or SIGINT)
 * and checks it between steps: distill() stops at a step boundary, importance passes and mt.checkpoint() throw
 * InterruptedError. Outside a kernel only the caller's signal counts.
 */
import { MinitronError } from '../errors.js';
import { HOST_KEYS } from './keys.js';

/** Thrown by a library loop that was asked to stop between steps. @example try { await checkpoint(); } catch (e) { if (e instanceof InterruptedError) ... } */
export class InterruptedError extends MinitronError {
  constructor(what = 'checkpoint()') {
    super(`host/stop.ts: ${what} stopped between steps: the host (a Jupyter interrupt) or the caller's AbortSignal asked to stop`);
  }
}

/** The host's stop signal for the work running now (the kernel's per-cell signal), or null outside a host. @example hostStopSignal()?.aborted */
export function hostStopSignal(): AbortSignal | null {
  const get = (globalThis as { [HOST_KEYS.stop]?: (() => AbortSignal | null) | null })[HOST_KEYS.stop];
  return get?.() ?? null;
}

/**
 * The stop signal of one loop: the caller's and the host's combined (either aborts it); null when there is neither.
 * Read it once when the loop starts, in the context of the work (the host's signal is per executing cell).
 * @example const stop = stopSignal(o.signal); for (...) { if (stop?.aborted) break; ... }
 */
export function stopSignal(own: AbortSignal | null = null): AbortSignal | null {
  const host = hostStopSignal();
  if (own === null || own === host) return host;
  return host === null ? own : AbortSignal.any([own, host]);
}

/** Throws InterruptedError naming `what` when the signal is aborted. @example throwIfStopped(stop, 'estimateImportance') */
export function throwIfStopped(signal: AbortSignal | null, what: string): void {
  if (signal?.aborted) throw new InterruptedError(what);
}

/**
 * Between the steps of a long loop: throws InterruptedError (naming `what`) when stopped, by the host's signal or
 * `signal`; else yields one macrotask so a kernel can read its sockets and signals, then checks again.
 * @example for (const step of steps) { run(step); await checkpoint(); }
 */
export async function checkpoint(signal: AbortSignal | null = null, what = 'checkpoint()'): Promise<void> {
  const stop = stopSignal(signal);
  throwIfStopped(stop, what);
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfStopped(stop, what);
}
