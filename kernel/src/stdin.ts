/**
 * stdin (input_request / input_reply) for cells: `prompt(message)` and `await mt.input(message, { password })` block
 * the cell until the front end answers. The socket lives in a worker thread (stdin_worker.ts) so the main thread can
 * wait synchronously; replies are read with receiveMessageOnPort.
 */
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { KernelInterrupt, realTimers } from './interrupt.js';
import type { Message, Wire } from './wire.js';

const WAIT_SLICE_MS = 100;
const POLL_MS = 15;

export class Stdin {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  readonly ready: Promise<void>;

  constructor(url: string, private readonly wire: Wire) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(path.join(__dirname, 'stdin_worker.js'), { workerData: { url, flag: this.flag.buffer, port: port2 }, transferList: [port2] });
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
  }

  /**
   * Sends input_request to the front end that sent `parent` and blocks until its input_reply; returns the value.
   * (A SIGINT still stops a cell blocked here while the cell's synchronous code runs: tslab runs it with breakOnSigint.)
   * @example const name = stdin.request(parentMsg, 'name? ', false);
   */
  request(parent: Message, prompt: string, password: boolean): string {
    const id = this.send(parent, prompt, password);
    for (;;) {
      Atomics.wait(this.flag, 0, 0, WAIT_SLICE_MS);
      const got = this.take(id);
      if (got === null) { Atomics.store(this.flag, 0, 0); continue; }
      if (got !== undefined) return got;
    }
  }

  /**
   * The same without blocking the event loop (mt.input): polls for the reply, so interrupt_request and SIGINT are
   * handled meanwhile; throws KernelInterrupt when `stop` aborts. @example await stdin.requestAsync(parent, 'x', false, signal)
   */
  async requestAsync(parent: Message, prompt: string, password: boolean, stop: AbortSignal | null): Promise<string> {
    const id = this.send(parent, prompt, password);
    for (;;) {
      const got = this.take(id);
      if (typeof got === 'string') return got;
      if (stop?.aborted) throw new KernelInterrupt();
      await new Promise<void>((r) => realTimers.setTimeout(r, POLL_MS));
    }
  }

  /** Sends the input_request (after dropping answers nobody waits for any more: an interrupted request's); returns its msg_id. */
  private send(parent: Message, prompt: string, password: boolean): string {
    while (receiveMessageOnPort(this.port)) { /* stale */ }
    Atomics.store(this.flag, 0, 0);
    const frames = this.wire.frames('input_request', { prompt, password }, parent, parent.identities);
    this.worker.postMessage({ frames: frames.map((f) => (typeof f === 'string' ? Buffer.from(f) : f)) });
    return (JSON.parse(String(frames[parent.identities.length + 2])) as { msg_id: string }).msg_id;
  }

  /** The value of the input_reply to request `id` when one arrived; undefined for another message; null for none. */
  private take(id: string): string | null | undefined {
    const got = receiveMessageOnPort(this.port) as { message: { frames: Uint8Array[] } } | undefined;
    if (!got) return null;
    let reply: Message;
    try { reply = this.wire.parse(got.message.frames.map((f) => Buffer.from(f))); } catch { return undefined; }
    const to = (reply.parent_header as { msg_id?: string }).msg_id; // jupyter_client's input() sends none
    if (reply.header.msg_type !== 'input_reply' || (to !== undefined && to !== id)) return undefined;
    return String(reply.content.value ?? '');
  }

  /**
   * Closes the socket inside the worker and waits (≤ 1 s) for the worker to end by itself: terminating it with the
   * socket open makes zeromq abort the whole process at exit ("terminate called after throwing ... Napi::Error").
   */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ close: true });
    const t = setTimeout(() => void this.worker.terminate(), 1000);
    await exited;
    clearTimeout(t);
  }
}
