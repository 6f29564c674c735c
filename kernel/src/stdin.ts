/**
 * stdin (input_request / input_reply) for cells: `prompt(message)` and `await mt.input(message, { password })` block
 * the cell until the front end answers. The socket lives in a worker thread (stdin_worker.ts) so the main thread can
 * wait synchronously; replies are read with receiveMessageOnPort.
 */
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Message, Wire } from './wire.js';

const WAIT_SLICE_MS = 100;

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
   * @example const name = stdin.request(parentMsg, 'name? ', false);
   */
  request(parent: Message, prompt: string, password: boolean): string {
    const frames = this.wire.frames('input_request', { prompt, password }, parent, parent.identities);
    this.worker.postMessage({ frames: frames.map((f) => (typeof f === 'string' ? Buffer.from(f) : f)) });
    for (;;) {
      Atomics.wait(this.flag, 0, 0, WAIT_SLICE_MS);
      const got = receiveMessageOnPort(this.port) as { message: { frames: Uint8Array[] } } | undefined;
      if (!got) { Atomics.store(this.flag, 0, 0); continue; }
      let reply: Message;
      try { reply = this.wire.parse(got.message.frames.map((f) => Buffer.from(f))); } catch { continue; }
      if (reply.header.msg_type !== 'input_reply') continue;
      return String(reply.content.value ?? '');
    }
  }

  close(): void { this.worker.postMessage({ close: true }); void this.worker.terminate(); }
}
