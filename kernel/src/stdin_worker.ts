/**
 * The stdin ROUTER socket, owned by a worker thread so that a synchronous `prompt()` can block the main thread
 * (Atomics.wait) while this thread sends the input_request and receives the input_reply.
 * Protocol with the main thread (kernel/src/stdin.ts): it posts { frames } to send; every message received on the
 * socket is posted back as { frames } on `port`, then `flag` is set to 1 and notified.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import * as zmq from 'zeromq';

interface Data { url: string; flag: SharedArrayBuffer; port: MessagePort }

async function serve({ url, flag, port }: Data): Promise<void> {
  const sock = new zmq.Router();
  await sock.bind(url);
  const signal = new Int32Array(flag);
  parentPort?.on('message', (m: { frames?: Uint8Array[]; close?: boolean }) => {
    if (m.close) { sock.close(); parentPort?.close(); port.close(); return; } // nothing left open: the worker ends
    if (m.frames) void sock.send(m.frames.map((f) => Buffer.from(f)));
  });
  parentPort?.postMessage({ ready: true });
  for await (const frames of sock) {
    port.postMessage({ frames: frames.map((f) => new Uint8Array(f)) });
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  }
}

void serve(workerData as Data);
