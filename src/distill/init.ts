/**
 * Random initial weights for a spec, as transformers initialises a fresh model (`_init_weights`): every matrix and
 * embedding N(0, std²) (initializer_range, 0.02 by default), biases 0, norm weights 1 (norm biases 0) — the
 * "trained from scratch" baseline that pruning + distillation is compared against.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec, Params } from '../types.js';
import { expectedShapes } from '../plan_core/shapes.js';
import { Rng } from '../data/rng.js';

/** Options of initParams. @example initParams(spec, { seed: 1, std: 0.02 }) */
export interface InitOptions {
  seed: number;
  /** Standard deviation of matrices and embeddings (HF initializer_range). */
  std: number;
}

/** Defaults: seed 0, std 0.02. @example initParams(spec, { ...DEFAULT_INIT_OPTIONS, seed: 3 }) */
export const DEFAULT_INIT_OPTIONS: InitOptions = { seed: 0, std: 0.02 };

/**
 * Fresh weights with the spec's tensor names and shapes (seeded; the caller disposes them).
 * @example const scratch = { spec: student.spec, params: mt.initParams(student.spec, { seed: 0 }) };
 */
export function initParams(spec: ModelSpec, opts: Partial<InitOptions> = {}): Params {
  const o = { ...DEFAULT_INIT_OPTIONS, ...opts };
  const rng = new Rng(o.seed);
  const params: Params = {};
  for (const [name, shape] of expectedShapes(spec)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const isNorm = /norm/.test(name);
    if (isNorm || name.endsWith('.bias')) {
      params[name] = isNorm && name.endsWith('.weight') ? tf.ones(shape) : tf.zeros(shape);
      continue;
    }
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rng.normal() * o.std;
    params[name] = tf.tensor(data, shape);
  }
  return params;
}
