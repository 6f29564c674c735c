/** Output plumbing: per-socket send queues, stdout/stderr capture into `stream` messages, MIME bundle clean-up. */
import * as util from 'node:util';
import type * as zmq from 'zeromq';
import { realTimers } from './interrupt.js';
import type { Message } from './wire.js';

/** Serialises sends on one socket (zeromq allows one pending send per socket). */
export class SendQueue {
  private chain: Promise<void> = Promise.resolve();
  constructor(private readonly sock: zmq.Writable & zmq.Socket, private readonly log: (s: string) => void) {}
  send(frames: (Buffer | string)[]): Promise<void> {
    this.chain = this.chain.then(() => this.sock.send(frames)).catch((e) => this.log(`send failed: ${String(e)}`));
    return this.chain;
  }
}

export type StreamName = 'stdout' | 'stderr';

const TFJS_NODE_BANNER = 'Hi, looks like you are running TensorFlow.js in Node.js';

/**
 * Replaces process.stdout/stderr.write: text written while a request is being handled (or by code it started,
 * found through `parentFor`) is batched for ~30 ms into `stream` messages; other text goes to the real streams.
 */
export class StreamCapture {
  private buf: { parent: Message; name: StreamName; text: string } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  readonly real = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

  constructor(private readonly parentFor: () => Message | null, private readonly emit: (name: StreamName, text: string, parent: Message) => void) {}

  install(): void {
    const hook = (name: StreamName) => (chunk: unknown, enc?: unknown, cb?: unknown): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof enc === 'string' ? enc as BufferEncoding : 'utf8');
      this.write(name, text);
      const done = typeof enc === 'function' ? enc : cb;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    };
    process.stdout.write = hook('stdout') as typeof process.stdout.write;
    process.stderr.write = hook('stderr') as typeof process.stderr.write;
  }

  write(name: StreamName, text: string): void {
    const parent = this.parentFor();
    // tfjs-backend-cpu's first-use banner advises installing tfjs-node (which cannot install offline here): kernel log only.
    if (!parent || text.includes(TFJS_NODE_BANNER)) { (name === 'stdout' ? this.real.out : this.real.err)(text); return; }
    if (this.buf && (this.buf.parent !== parent || this.buf.name !== name)) this.flush();
    if (!this.buf) this.buf = { parent, name, text: '' };
    this.buf.text += text;
    if (!this.timer) this.timer = realTimers.setTimeout(() => { this.timer = null; this.flush(); }, 30);
  }

  flush(): void {
    const b = this.buf;
    this.buf = null;
    if (b && b.text) this.emit(b.name, b.text, b.parent);
  }
}

/** JSON MIME types travel as JSON objects, never strings (plotly and the minitron renderers need objects); bytes as base64. */
export function jsonBundle(bundle: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(bundle)) {
    if (/json$/i.test(k) && typeof v === 'string') { try { out[k] = JSON.parse(v); continue; } catch { /* keep string */ } }
    if (v instanceof Uint8Array) { out[k] = Buffer.from(v).toString('base64'); continue; }
    out[k] = v;
  }
  return out;
}

/**
 * Notebook niceties for tf: console.log(tensor) and a cell ending in a tensor print tfjs's summary (tensor.toString())
 * instead of the object's internals.
 */
export function tidyTf(tfDir: string, log: (s: string) => void): void {
  try {
    const tf = require(tfDir) as { Tensor?: { prototype: Record<symbol, unknown> } };
    const proto = tf.Tensor?.prototype;
    if (!proto || util.inspect.custom in proto) return;
    proto[util.inspect.custom] = function (this: { isDisposed?: boolean; toString(): string }): string {
      if (this.isDisposed) return 'Tensor (disposed)';
      try { return this.toString(); } catch (e) { return `Tensor (${String(e)})`; }
    };
  } catch (e) { log(`tensor printing not set up: ${String(e)}`); }
}
