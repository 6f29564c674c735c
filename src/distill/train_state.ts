/**
 * Training checkpoints: tensors in safetensors files (F32 / I32) plus a JSON state, written into a
 * temporary directory and renamed into place, so a crash never leaves a half-written checkpoint.
 */
import { MinitronError } from '../errors.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDirAtomic } from '../io/atomic.js';
import { readSafetensors } from '../io/safetensors.js';
import { readJsonObject } from '../io/files.js';

/** The files of a complete training checkpoint. */
export const CHECKPOINT_FILES = ['weights.safetensors', 'optim.safetensors', 'state.json'] as const;

/** Raised when a checkpoint is missing, malformed or does not fit the run. */
export class DistillCheckpointError extends MinitronError {
}

/** Writes tensors as a safetensors file (float32 / int32 only).
 * @example writeTensorFile('/tmp/x.safetensors', { w: tf.ones([2, 2]) }); */
export function writeTensorFile(file: string, tensors: Record<string, tf.Tensor>): void {
  const header: Record<string, unknown> = {};
  const chunks: Buffer[] = [];
  let off = 0;
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name] as tf.Tensor;
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new DistillCheckpointError(`distill/train_state.ts: tensor '${name}' has dtype ${t.dtype}; only float32 and int32 are saved`);
    const data = t.dataSync() as Float32Array | Int32Array;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: t.dtype === 'float32' ? 'F32' : 'I32', shape: t.shape, data_offsets: [off, off + buf.length] };
    chunks.push(buf);
    off += buf.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, len);
    fs.writeSync(fd, json);
    for (const c of chunks) fs.writeSync(fd, c);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a safetensors file written by writeTensorFile (F32 / I32); the caller disposes the tensors.
 * @example const t = readTensorFile('/tmp/x.safetensors'); */
export function readTensorFile(file: string): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of readSafetensors(file)) out[name] = tf.tensor(t.data, t.shape, t.dtype); // validated like any safetensors file
  return out;
}

/** Contents of a training checkpoint. */
export interface TrainCheckpoint<S> {
  /** Trained tensors (student weights and projections) by name. */
  weights: Record<string, tf.Tensor>;
  /** Optimiser tensors by name. */
  optim: Record<string, tf.Tensor>;
  /** Plain-JSON state (step, data position, RNG, history...). */
  state: S;
}

/**
 * Writes a checkpoint atomically: a temporary sibling directory, then rename over `dir`.
 * @example saveTrainCheckpoint('out/ckpt', { weights, optim, state: { step: 3 } });
 */
export function saveTrainCheckpoint<S>(dir: string, ck: TrainCheckpoint<S>): void {
  writeDirAtomic(dir, (tmp) => {
    writeTensorFile(path.join(tmp, 'weights.safetensors'), ck.weights);
    writeTensorFile(path.join(tmp, 'optim.safetensors'), ck.optim);
    fs.writeFileSync(path.join(tmp, 'state.json'), JSON.stringify(ck.state, null, 1));
  });
}

/** True when `dir` holds a complete checkpoint.
 * @example if (hasTrainCheckpoint('out/ckpt')) ... */
export function hasTrainCheckpoint(dir: string): boolean {
  return CHECKPOINT_FILES.every((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * Reads a checkpoint written by saveTrainCheckpoint; the caller disposes the tensors.
 * @example const ck = loadTrainCheckpoint<MyState>('out/ckpt');
 */
export function loadTrainCheckpoint<S>(dir: string): TrainCheckpoint<S> {
  const missing = CHECKPOINT_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) throw new DistillCheckpointError(`${dir}: incomplete training checkpoint, missing ${missing.join(', ')} (expected ${CHECKPOINT_FILES.join(', ')}); refusing to resume`);
  const state = readJsonObject(path.join(dir, 'state.json'), 'a training state object') as S;
  const weights = readTensorFile(path.join(dir, 'weights.safetensors'));
  const optim = readTensorFile(path.join(dir, 'optim.safetensors'));
  return { weights, optim, state };
}
