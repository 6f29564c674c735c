/**
 * sha256 digests that identify what a run used: checkpoint weight files, text, JSON objects, tensors' bytes.
 * Streams files in 8 MiB pieces, so hashing a multi-GB checkpoint needs no extra memory.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '../errors.js';

const PIECE = 8 << 20;

function hashFileInto(h: crypto.Hash, file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(PIECE);
    for (let n = fs.readSync(fd, buf, 0, PIECE, null); n > 0; n = fs.readSync(fd, buf, 0, PIECE, null)) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * sha256 (hex) of one file's bytes.
 * @example sha256File('.cache/models/smollm2-135m/model.safetensors') // 'a3f1…'
 */
export function sha256File(file: string): string {
  const h = crypto.createHash('sha256');
  hashFileInto(h, file);
  return h.digest('hex');
}

/** HF weight files: model.safetensors or model-00001-of-00003.safetensors. */
const WEIGHT_FILE = /^model(-\d+-of-\d+)?\.safetensors$/;

/**
 * sha256 (hex) of a checkpoint's weights: its model*.safetensors files (every *.safetensors when it has none of those)
 * in name order, each as file name then bytes.
 * @example sha256Weights('.cache/models/smollm2-135m')
 */
export function sha256Weights(dir: string): string {
  let files: string[];
  try {
    const all = fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
    files = all.some((f) => WEIGHT_FILE.test(f)) ? all.filter((f) => WEIGHT_FILE.test(f)) : all;
  } catch (e) {
    throw new CheckpointError(dir, `cannot list the folder to hash its weights (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (files.length === 0) throw new CheckpointError(dir, 'no *.safetensors file to hash');
  const h = crypto.createHash('sha256');
  for (const f of files) {
    h.update(`${f}\n`);
    hashFileInto(h, path.join(dir, f));
  }
  return h.digest('hex');
}

/** JSON with object keys sorted, so equal objects give equal digests. @example canonicalJson({ b: 1, a: 2 }) // '{"a":2,"b":1}' */
export function canonicalJson(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/**
 * sha256 (hex) of a string, typed array or JSON value (objects canonicalised).
 * @example sha256Of(mt.mobyDickText())
 */
export function sha256Of(x: string | ArrayBufferView | unknown): string {
  const h = crypto.createHash('sha256');
  if (typeof x === 'string') h.update(x, 'utf8');
  else if (ArrayBuffer.isView(x)) h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  else h.update(canonicalJson(x), 'utf8');
  return h.digest('hex');
}
