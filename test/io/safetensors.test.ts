import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstDuplicateKey, readHeader, readSafetensors, writeSafetensors, halfToFloat, type HostTensor } from '../../src/io/safetensors.js';
import { MinitronError, SafetensorsError } from '../../src/errors.js';
import { GEN, maxAbsDiff, tmpDir } from '../helpers.js';

test('F16, BF16, I32, I64 decode to the values torch reads', () => {
  const t = readSafetensors(path.join(GEN, 'dtypes.safetensors'));
  const ref = readSafetensors(path.join(GEN, 'dtypes_as_f32.safetensors'));
  assert.equal(maxAbsDiff(t.get('f16')!.data, ref.get('f16')!.data), 0);
  assert.equal(maxAbsDiff(t.get('bf16')!.data, ref.get('bf16')!.data), 0);
  assert.deepEqual([...t.get('i32')!.data], Array.from({ length: 15 }, (_, i) => i - 7));
  assert.deepEqual([...t.get('i64')!.data], Array.from({ length: 15 }, (_, i) => i - 7));
  assert.equal(t.get('i64')!.dtype, 'int32');
  assert.deepEqual(t.get('f32')!.shape, [3, 5]);
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xfc00), -Infinity);
});

test('write then read round-trips F32 and I32', () => {
  const dir = tmpDir('st');
  const f = path.join(dir, 'x.safetensors');
  const a = { dtype: 'float32' as const, shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-8, 7]) };
  const b = { dtype: 'int32' as const, shape: [4], data: new Int32Array([5, -1, 0, 9]) };
  writeSafetensors(f, new Map<string, HostTensor>([['b', b], ['a', a]]));
  const h = readHeader(f);
  assert.equal((h.dataStart - 8) % 8, 0, 'header padded to 8 bytes');
  const back = readSafetensors(f);
  assert.deepEqual([...back.get('a')!.data], [...a.data]);
  assert.deepEqual([...back.get('b')!.data], [...b.data]);
});

/** Write a raw safetensors file from a header object and a data length. */
function raw(dir: string, header: unknown, dataLen: number, lenOverride?: number): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(lenOverride ?? json.length));
  const f = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.safetensors`);
  fs.writeFileSync(f, Buffer.concat([len, json, Buffer.alloc(dataLen)]));
  return f;
}

test('bad files give SafetensorsError naming the file, tensor and what was expected', () => {
  const dir = tmpDir('stbad');
  const cases: Array<[string, RegExp]> = [
    [raw(dir, { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 0, 10_000), /header length 10000 runs past the end/],
    [raw(dir, '{"a": {', 0), /not valid JSON/],
    [raw(dir, { a: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, 8), /\[tensor a\].*unknown dtype "Q4"/],
    [raw(dir, { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /overlap tensor a/],
    [raw(dir, { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /\[tensor a\].*out of range: the data section has 8 bytes/],
    [raw(dir, { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /byte span 8 does not match shape \[3\] x F32 = 12 bytes/],
    [raw(dir, { a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 8), /data_offsets \[8,0\] must be \[begin, end\]/],
    // as the Python safetensors library: duplicate names, gaps and trailing bytes are refused
    [raw(dir, '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}', 16), /\[tensor a\].*names this tensor twice/],
    [raw(dir, { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] } }, 20), /\[tensor b\].*gap of 4 bytes after tensor a/],
    [raw(dir, { a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /\[tensor a\].*gap of 4 bytes after the header/],
    [raw(dir, { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 16), /8 bytes after the last tensor/],
  ];
  for (const [file, re] of cases) {
    assert.throws(() => readSafetensors(file), (e: unknown) => e instanceof SafetensorsError && e.message.startsWith(file) && re.test(e.message));
  }
  const tiny = path.join(dir, 'tiny.safetensors');
  fs.writeFileSync(tiny, Buffer.alloc(3));
  assert.throws(() => readHeader(tiny), /tiny.safetensors: truncated: 3 bytes/);
  assert.throws(() => readHeader(path.join(dir, 'none.safetensors')), (e: unknown) => e instanceof MinitronError && /none\.safetensors: no such file or folder \(expected a safetensors file\)/.test(String(e)));
  assert.throws(() => readHeader(dir), (e: unknown) => e instanceof MinitronError && /is a folder/.test(String(e)));
});

test('firstDuplicateKey finds repeated top-level keys only', () => {
  assert.equal(firstDuplicateKey('{"a": {"x": 1, "x": 2}, "b": [1, {"a": 3}]}'), null);
  assert.equal(firstDuplicateKey('{"a\\"b": 1, "c": "a", "a\\"b": 2}'), 'a"b');
  assert.equal(firstDuplicateKey('{}'), null);
});

test('a truncated real checkpoint is rejected before any tensor is read', () => {
  const dir = tmpDir('trunc');
  const src = path.join(GEN, 'llama_gqa', 'model.safetensors');
  const bytes = fs.readFileSync(src);
  const f = path.join(dir, 'model.safetensors');
  fs.writeFileSync(f, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => readSafetensors(f), /out of range: the data section has .* bytes \(file truncated\?\)/);
});
