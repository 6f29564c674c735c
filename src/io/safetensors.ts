/**
 * safetensors read/write (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length,
 * a JSON header {name: {dtype, shape, data_offsets: [begin, end]}}, then the raw little-endian data.
 * Reads validate everything before touching tensor data; input files are opened read-only.
 */
import * as fs from 'node:fs';
import { SafetensorsError } from '../errors.js';
import { FileError, fsError } from './files.js';

/** Dtypes this reader understands and their byte sizes. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };

/** A tensor's raw record in the header. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** A decoded tensor: float32 for float dtypes, int32 for integer dtypes. */
export interface HostTensor {
  readonly dtype: 'float32' | 'int32';
  readonly shape: number[];
  readonly data: Float32Array | Int32Array;
}

/** Parsed, validated header of one file. */
export interface SafetensorsHeader {
  readonly file: string;
  readonly dataStart: number;
  readonly tensors: Map<string, TensorInfo>;
  readonly metadata: Record<string, string>;
}

/**
 * Read and validate a safetensors header like the Python safetensors library: length in file, JSON, unique
 * names, dtypes, sizes, and tensors that tile the data section exactly (no overlap, no gap, nothing after).
 * @example const h = readHeader('model.safetensors'); h.tensors.get('lm_head.weight')?.shape
 */
export function readHeader(file: string): SafetensorsHeader {
  const fd = openRead(file);
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw new SafetensorsError(file, `truncated: ${size} bytes, expected at least 8 (header length)`);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen > size - 8) {
      throw new SafetensorsError(file, `header length ${headerLen} runs past the end of the file (${size - 8} bytes after the length field)`);
    }
    const hbuf = Buffer.alloc(headerLen);
    fs.readSync(fd, hbuf, 0, headerLen, 8);
    const text = hbuf.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new SafetensorsError(file, `header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new SafetensorsError(file, 'header must be a JSON object of tensor records');
    }
    const dup = firstDuplicateKey(text);
    if (dup !== null) throw new SafetensorsError(file, 'the header names this tensor twice; expected unique tensor names', dup);
    const dataStart = 8 + headerLen;
    const dataLen = size - dataStart;
    const tensors = new Map<string, TensorInfo>();
    let metadata: Record<string, string> = {};
    for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
      if (name === '__metadata__') {
        metadata = (raw ?? {}) as Record<string, string>;
        continue;
      }
      tensors.set(name, validateRecord(file, name, raw, dataLen));
    }
    checkTiling(file, [...tensors.values()], dataLen);
    return { file, dataStart, tensors, metadata };
  } finally {
    fs.closeSync(fd);
  }
}

function openRead(file: string): number {
  try {
    const fd = fs.openSync(file, 'r');
    if (fs.fstatSync(fd).isDirectory()) {
      fs.closeSync(fd);
      throw new FileError(file, 'is a folder, not a file (expected a safetensors file)');
    }
    return fd;
  } catch (e) {
    throw fsError(e, file, 'a safetensors file');
  }
}

/** Tensors must cover the data section end to end, in offset order, as the Python safetensors library checks. */
function checkTiling(file: string, infos: TensorInfo[], dataLen: number): void {
  const sorted = infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: TensorInfo | null = null;
  for (const t of sorted) {
    if (t.begin < at) {
      throw new SafetensorsError(file, `data_offsets [${t.begin}, ${t.end}] overlap tensor ${prev!.name} [${prev!.begin}, ${prev!.end}]`, t.name);
    }
    if (t.begin > at) {
      throw new SafetensorsError(file, `data_offsets [${t.begin}, ${t.end}] leave a gap of ${t.begin - at} bytes after ${prev ? `tensor ${prev.name}` : 'the header'}; expected tensors packed end to end`, t.name);
    }
    at = t.end;
    prev = t;
  }
  if (at !== dataLen) throw new SafetensorsError(file, `${dataLen - at} bytes after the last tensor; expected the data section (${dataLen} bytes) to end with it`);
}

/**
 * The first top-level key of a JSON object text that appears twice (JSON.parse silently keeps the last), or null.
 * @example firstDuplicateKey('{"a": 1, "a": 2}') // 'a'
 */
export function firstDuplicateKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return null;
}

function validateRecord(file: string, name: string, raw: unknown, dataLen: number): TensorInfo {
  const r = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof r !== 'object' || r === null) throw new SafetensorsError(file, 'record must be an object', name);
  const dtype = r.dtype;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw new SafetensorsError(file, `unknown dtype ${JSON.stringify(dtype)}, expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`, name);
  }
  const shape = r.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SafetensorsError(file, `shape ${JSON.stringify(shape)} must be a list of non-negative integers`, name);
  }
  const off = r.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0) || off[1] < off[0]) {
    throw new SafetensorsError(file, `data_offsets ${JSON.stringify(off)} must be [begin, end] with 0 <= begin <= end`, name);
  }
  const [begin, end] = off as [number, number];
  if (end > dataLen) {
    throw new SafetensorsError(file, `data_offsets [${begin}, ${end}] out of range: the data section has ${dataLen} bytes (file truncated?)`, name);
  }
  const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
  if (end - begin !== expected) {
    throw new SafetensorsError(file, `byte span ${end - begin} does not match shape [${shape.join(', ')}] x ${dtype} = ${expected} bytes`, name);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/**
 * Read every tensor (or the named ones) of a safetensors file, decoded to float32 / int32.
 * @example const t = readSafetensors('model.safetensors'); t.get('model.norm.weight')?.shape
 */
export function readSafetensors(file: string, names?: Iterable<string>): Map<string, HostTensor> {
  const header = readHeader(file);
  const want = names ? [...names] : [...header.tensors.keys()];
  const out = new Map<string, HostTensor>();
  const fd = openRead(file);
  try {
    for (const name of want) {
      const info = header.tensors.get(name);
      if (!info) throw new SafetensorsError(file, 'tensor not found in header', name);
      const bytes = Buffer.alloc(info.end - info.begin);
      const got = fs.readSync(fd, bytes, 0, bytes.length, header.dataStart + info.begin);
      if (got !== bytes.length) throw new SafetensorsError(file, `truncated: read ${got} of ${bytes.length} bytes`, name);
      out.set(name, decode(file, info, bytes));
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

function decode(file: string, info: TensorInfo, bytes: Buffer): HostTensor {
  const n = info.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (info.dtype) {
    case 'F32': {
      const data = new Float32Array(n);
      new Uint8Array(data.buffer).set(bytes);
      return { dtype: 'float32', shape: info.shape, data };
    }
    case 'BF16': {
      const u32 = new Uint32Array(n);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(2 * i, true) << 16;
      return { dtype: 'float32', shape: info.shape, data: new Float32Array(u32.buffer) };
    }
    case 'F16': {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(2 * i, true));
      return { dtype: 'float32', shape: info.shape, data };
    }
    case 'I32': {
      const data = new Int32Array(n);
      new Uint8Array(data.buffer).set(bytes);
      return { dtype: 'int32', shape: info.shape, data };
    }
    case 'I64': {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) throw new SafetensorsError(file, `I64 value ${v} at index ${i} does not fit int32`, info.name);
        data[i] = Number(v);
      }
      return { dtype: 'int32', shape: info.shape, data };
    }
    default:
      throw new SafetensorsError(file, `unknown dtype ${info.dtype}`, info.name);
  }
}

/** IEEE half → float. @example halfToFloat(0x3c00) === 1 */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Write tensors to a safetensors file (F32 / I32), names sorted, header padded to 8 bytes.
 * @example writeSafetensors('out.safetensors', new Map([['w', {dtype:'float32', shape:[2], data: new Float32Array(2)}]]))
 */
export function writeSafetensors(file: string, tensors: Map<string, HostTensor>, metadata: Record<string, string> = { format: 'pt' }): void {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const bytes = t.data.byteLength;
    header[name] = { dtype: t.dtype === 'float32' ? 'F32' : 'I32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const hbuf = Buffer.from(json, 'utf8');
  const fd = fs.openSync(file, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(hbuf.length), 0);
    fs.writeSync(fd, len);
    fs.writeSync(fd, hbuf);
    for (const name of names) {
      const t = tensors.get(name)!;
      fs.writeSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  } finally {
    fs.closeSync(fd);
  }
}
