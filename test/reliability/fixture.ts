/**
 * The inputs the reliability cases work on: copies of the tiny transformers checkpoints (test/fixtures/gen/prune,
 * with their character-level tokenizer), a calibration text, a real importance report and plan made by the CLI,
 * all under one temp root; plus helpers to snapshot the root (sha256 of every file, every folder) and to make bad
 * copies of the inputs.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureReference } from '../prune/reference.js';

/** Paths of the shared good inputs. */
export interface Fixture {
  root: string;
  /** llama GQA, tied embeddings, 4 layers, with tokenizer.json. */
  model: string;
  /** gpt2 (learned positions, n_positions 64), tokenizer copied from the llama. */
  gpt2: string;
  /** qwen2 with biases, untied lm_head. */
  qwen2: string;
  /** a copy of `model` used as the distillation student. */
  student: string;
  text: string;
  report: string;
  plan: string;
}

const TEXT = 'Call me Ishmael. Some years ago - never mind how long precisely - having little or no money in my purse, '.repeat(40);

/** Copies a folder (flat or nested) to dst. @example copyDir(f.model, path.join(dir, 'm')) */
export function copyDir(src: string, dst: string): string {
  fs.cpSync(src, dst, { recursive: true });
  return dst;
}

/**
 * Builds the fixture root; `report` and `plan` are written by `make` (the CLI itself) once the models exist.
 * @example const f = await makeFixture(async (f) => { await runCommand([...]) });
 */
export async function makeFixture(make: (f: Fixture) => Promise<void>): Promise<Fixture> {
  const gen = ensureReference();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'minitron-reliability-'));
  const f: Fixture = {
    root,
    model: copyDir(path.join(gen, 'llama_gqa'), path.join(root, 'llama')),
    gpt2: copyDir(path.join(gen, 'gpt2'), path.join(root, 'gpt2')),
    qwen2: copyDir(path.join(gen, 'qwen2_bias'), path.join(root, 'qwen2')),
    student: copyDir(path.join(gen, 'llama_gqa'), path.join(root, 'student')),
    text: path.join(root, 'text.txt'),
    report: path.join(root, 'report.json'),
    plan: path.join(root, 'plan.json'),
  };
  for (const m of [f.gpt2, f.qwen2]) fs.copyFileSync(path.join(f.model, 'tokenizer.json'), path.join(m, 'tokenizer.json'));
  fs.writeFileSync(f.text, TEXT);
  await make(f);
  return f;
}

/** Every file (sha256) and folder (marked) under root, by relative path; symlinks by their target. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      const rel = path.relative(root, p);
      if (e.isSymbolicLink()) out.set(rel, `link:${fs.readlinkSync(p)}`);
      else if (e.isDirectory()) {
        out.set(rel, 'dir');
        walk(p);
      } else out.set(rel, crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

/** What changed between two snapshots ('+' new, '-' gone, '~' modified), sorted. */
export function diffSnapshots(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of b) if (!a.has(k)) out.push(`+ ${k}`);
  else if (a.get(k) !== v) out.push(`~ ${k}`);
  for (const k of a.keys()) if (!b.has(k)) out.push(`- ${k}`);
  return out.sort();
}

/** Rewrites a JSON file through fn. @example editJson(cfg, (c) => ({ ...c, hidden_size: 'x' })) */
export function editJson(file: string, fn: (v: Record<string, unknown>) => unknown): void {
  fs.writeFileSync(file, JSON.stringify(fn(JSON.parse(fs.readFileSync(file, 'utf8')))));
}

/** Builds a raw safetensors file from a header object (or text) and a data section of `dataLen` zero bytes. */
export function rawSafetensors(file: string, header: unknown, dataLen: number, lenOverride?: number): void {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(lenOverride ?? json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, Buffer.alloc(dataLen)]));
}

/** The parsed header and the data section of a safetensors file (to rewrite it with one change). */
export function splitSafetensors(file: string): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; data: Buffer } {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.subarray(8, 8 + n).toString('utf8')), data: buf.subarray(8 + n) };
}

/** Writes a safetensors file from a header object and a data buffer. */
export function joinSafetensors(file: string, header: unknown, data: Buffer): void {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, data]));
}
