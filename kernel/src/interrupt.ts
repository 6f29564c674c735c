/**
 * Interrupting async cells. Each execution runs in an AsyncLocalStorage context with its own AbortController;
 * interrupting (interrupt_request or SIGINT) aborts it. The library's loops read that signal through the host bridge
 * (mt.installHost({ stopSignal }), see kernel.ts): distill() stops at a step boundary, importance passes and
 * mt.checkpoint() throw InterruptedError.
 * - Every `await` in cell code is rewritten to `await __minitronAwait(x)`: after the awaited value settles it throws
 *   KernelInterrupt when the context is cancelled, and every ~30 ms it yields one macrotask so the kernel still
 *   reads its sockets (and SIGINT) during loops that await only already-resolved promises (e.g. tensor.data()).
 * - Timer callbacks (setTimeout/setImmediate) scheduled from a cancelled context are dropped and intervals stop,
 *   which stops library loops that yield through timers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as ts from 'typescript';

/** One executing cell: `stop` is aborted when it is interrupted. */
export interface ExecContext { id: number; stop: AbortController; parent: unknown }

/** True when the context's cell was interrupted. @example if (cancelled(als.getStore())) ... */
export function cancelled(ctx: ExecContext | undefined): boolean {
  return ctx?.stop.signal.aborted ?? false;
}

export const als = new AsyncLocalStorage<ExecContext>();

/** Timers as they were before patching (the kernel's own timers must never be dropped). */
export const realTimers = { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate };

export class KernelInterrupt extends Error {
  constructor() { super('Interrupted'); this.name = 'KernelInterrupt'; }
}

const YIELD_MS = 30;
let lastYield = Date.now();

async function checkpoint(value: unknown): Promise<unknown> {
  const v = await value;
  const ctx = als.getStore();
  if (cancelled(ctx)) throw new KernelInterrupt();
  if (Date.now() - lastYield > YIELD_MS) {
    await new Promise<void>((r) => realTimers.setImmediate(r));
    lastYield = Date.now();
    if (cancelled(ctx)) throw new KernelInterrupt();
  }
  return v;
}

/** Callbacks scheduled from an interrupted context never run (ones scheduled before the interrupt still do). */
function guard<A extends unknown[]>(cb: (...a: A) => void, repeating: boolean): (...a: A) => void {
  const ctx = als.getStore();
  if (!ctx) return cb;
  if (cancelled(ctx)) return () => undefined;
  return repeating ? (...a: A) => { if (!cancelled(ctx)) cb(...a); } : cb;
}

let installed = false;
/** Installs the global await checkpoint and the timer guards (idempotent). */
export function installInterruptSupport(): void {
  if (installed) return;
  installed = true;
  (globalThis as Record<string, unknown>).__minitronAwait = checkpoint;
  const g = globalThis as unknown as Record<string, unknown>;
  for (const name of ['setTimeout', 'setInterval', 'setImmediate'] as const) {
    const orig = realTimers[name] as unknown as (cb: unknown, ...rest: unknown[]) => unknown;
    const patched = function (this: unknown, cb: unknown, ...rest: unknown[]): unknown {
      return orig.call(this, typeof cb === 'function' ? guard(cb as (...a: unknown[]) => void, name === 'setInterval') : cb, ...rest);
    };
    Object.assign(patched, orig); // keeps util.promisify.custom and friends
    g[name] = patched;
  }
}

/** Rewrites `await x` to `await __minitronAwait(x)` in emitted JavaScript by text insertion (line numbers kept; for-await untouched). */
export function instrumentAwaits(js: string): string {
  if (!js.includes('await')) return js;
  const prefix = '(async function () {\n';
  const sf = ts.createSourceFile('cell.js', `${prefix}${js}\n})`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: { pos: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isAwaitExpression(node)) {
      edits.push({ pos: node.getStart(sf) + 'await'.length - prefix.length, text: ' __minitronAwait(' });
      edits.push({ pos: node.end - prefix.length, text: ')' });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  edits.sort((a, b) => b.pos - a.pos);
  let out = js;
  for (const e of edits) out = out.slice(0, e.pos) + e.text + out.slice(e.pos);
  return out;
}
