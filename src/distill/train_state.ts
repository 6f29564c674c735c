/**
 * Training checkpoints: tensors in safetensors files (F32 / I32) plus a JSON state, written into a
 * temporary directory and renamed into place, so a crash never leaves a half-written checkpoint.
 */
import { MinitronError } from '../errors.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDirAtomic } from '../io/atomic.js';

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
  if (!fs.existsSync(file)) throw new DistillCheckpointError(`distill/train_state.ts: ${file} does not exist`);
  const buf = fs.readFileSync(file);
  if (buf.length < 8) throw new DistillCheckpointError(`distill/train_state.ts: ${file} is too short for a safetensors header`);
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw new DistillCheckpointError(`distill/train_state.ts: ${file} header length ${n} exceeds the file size`);
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const out: Record<string, tf.Tensor> = {};
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = h.data_offsets;
    const bytes = new Uint8Array(buf.subarray(base + a, base + b)); // aligned copy
    if (h.dtype === 'F32') out[name] = tf.tensor(new Float32Array(bytes.buffer), h.shape, 'float32');
    else if (h.dtype === 'I32') out[name] = tf.tensor(new Int32Array(bytes.buffer), h.shape, 'int32');
    else throw new DistillCheckpointError(`distill/train_state.ts: ${file} tensor '${name}' has dtype ${h.dtype}; expected F32 or I32`);
  }
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
  return ['weights.safetensors', 'optim.safetensors', 'state.json'].every((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * Reads a checkpoint written by saveTrainCheckpoint; the caller disposes the tensors.
 * @example const ck = loadTrainCheckpoint<MyState>('out/ckpt');
 */
export function loadTrainCheckpoint<S>(dir: string): TrainCheckpoint<S> {
  if (!hasTrainCheckpoint(dir)) throw new DistillCheckpointError(`distill/train_state.ts: ${dir} is not a complete checkpoint (needs weights.safetensors, optim.safetensors, state.json)`);
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as S;
  const weights = readTensorFile(path.join(dir, 'weights.safetensors'));
  const optim = readTensorFile(path.join(dir, 'optim.safetensors'));
  return { weights, optim, state };
}
