/**
 * Interruptible long loops: `await checkpoint()` between steps yields to the event loop (so a Jupyter kernel can
 * read its sockets and signals) and throws InterruptedError once the host (the minitron kernel) reports that the
 * running cell was interrupted. Outside a kernel it only yields.
 */

/** Thrown by checkpoint() after an interrupt. @example try { await checkpoint(); } catch (e) { if (e instanceof InterruptedError) ... } */
export class InterruptedError extends Error {
  constructor() {
    super('display/checkpoint.ts: interrupted by the host (Jupyter interrupt) between steps');
    this.name = 'InterruptedError';
  }
}

const KEY = Symbol.for('minitron.interrupt.check');
type Holder = { [KEY]?: (() => boolean) | null };

/** Registers the host's "was the current work interrupted?" check (the kernel calls this). @example setInterruptCheck(() => false) */
export function setInterruptCheck(check: (() => boolean) | null): void { (globalThis as Holder)[KEY] = check; }

/** True when the host reports an interrupt of the current work. @example if (isInterrupted()) break; */
export function isInterrupted(): boolean { return (globalThis as Holder)[KEY]?.() ?? false; }

/** Yields one macrotask, then throws InterruptedError if interrupted. @example for (const step of steps) { run(step); await checkpoint(); } */
export async function checkpoint(): Promise<void> {
  if (isInterrupted()) throw new InterruptedError();
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (isInterrupted()) throw new InterruptedError();
}
