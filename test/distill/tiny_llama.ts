/** Tiny random llama checkpoints with the real SmolLM2 tokenizer, for real-forward trainer and CLI tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../../src/types.js';
import { expectedShapes } from '../../src/io/hf_names.js';
import { readConfig, saveCheckpoint } from '../../src/io/checkpoint.js';
import { randn } from './helpers.js';

export const REAL_MODEL = path.resolve(__dirname, '../../.cache/models/smollm2-135m');

/** SmolLM2's spec shrunk to a tiny width/depth (vocab kept, so the real tokenizer works). */
export function tinySpec(layers: number, hidden = 32, ffn = 64, vocab?: number): ModelSpec {
  const { spec } = readConfig(REAL_MODEL);
  return { ...spec, hiddenSize: hidden, numLayers: layers, numHeads: 4, numKvHeads: 2, headDim: 8, ffnHiddenSize: ffn, maxPositions: 256, vocabSize: vocab ?? spec.vocabSize };
}

/** Random weights for a spec (norm weights 1, matrices N(0, 0.05²) from a seed). */
export function tinyParams(spec: ModelSpec, seed: number): Params {
  const p: Params = {};
  let k = 0;
  for (const [name, shape] of expectedShapes(spec)) {
    const n = shape.reduce((a, b) => a * b, 1);
    p[name] = name.includes('norm') ? tf.ones(shape) : tf.tensor(randn(n, seed * 1000 + k++, name.includes('embed') ? 0.5 : 0.1), shape);
  }
  return p;
}

/** Writes a tiny checkpoint folder with the real tokenizer and returns its path. */
export async function writeTiny(dir: string, spec: ModelSpec, params: Params): Promise<string> {
  const { config } = readConfig(REAL_MODEL);
  await saveCheckpoint(dir, spec, params, { tokenizerFrom: REAL_MODEL, baseConfig: config });
  return dir;
}

/** A student made by dropping layers (renumbered) from a teacher's params. */
export function dropLayers(spec: ModelSpec, params: Params, keep: number[]): { spec: ModelSpec; params: Params } {
  const out: Params = {};
  for (const [name, t] of Object.entries(params)) {
    const m = /^model\.layers\.(\d+)\.(.*)$/.exec(name);
    if (!m) out[name] = tf.clone(t);
    else if (keep.includes(Number(m[1]))) out[`model.layers.${keep.indexOf(Number(m[1]))}.${m[2]}`] = tf.clone(t);
  }
  return { spec: { ...spec, numLayers: keep.length }, params: out };
}

/** The first n chars of Moby Dick as a temp text file. */
export function textFile(dir: string, name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

/**
 * A tiny 2-layer teacher and the 1-layer student made by dropping its first layer, written as HF folders under root.
 * @example const { teacherDir, studentDir } = await writeTeacherStudent(root);
 */
export async function writeTeacherStudent(root: string): Promise<{ teacherDir: string; studentDir: string }> {
  const spec = tinySpec(2);
  const params = tinyParams(spec, 1);
  const teacherDir = await writeTiny(path.join(root, 'teacher'), spec, params);
  const s = dropLayers(spec, params, [0]);
  const studentDir = await writeTiny(path.join(root, 'student'), s.spec, s.params);
  tf.dispose([...Object.values(params), ...Object.values(s.params)]);
  return { teacherDir, studentDir };
}
