/** Shared helpers of the distill tests: cpu backend, seeded random arrays, the PyTorch reference runner. */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Rng } from '../../src/data/rng.js';

/** Makes the cpu backend current (deterministic, has every kernel). */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** n normal floats from a seed, times scale. */
export function randn(n: number, seed: number, scale = 1): number[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.normal() * scale);
}

/** Runs a python script under the repo's .venv with a JSON case on stdin and parses its JSON stdout. */
export function runPython(script: string, input: unknown): any {
  const root = path.resolve(__dirname, '../..');
  const out = execFileSync(path.join(root, '.venv/bin/python'), [path.join(root, script)], {
    input: JSON.stringify(input),
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out.toString());
}

/** Max |a - b| relative to max(1, |b|). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  return m;
}

/** Central finite-difference gradient of f at x (float32 tensors, so use eps ~1e-2 and loose tolerances). */
export function numericGrad(f: (x: tf.Tensor) => tf.Scalar, x: number[], shape: number[], eps = 1e-2): number[] {
  const g: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const at = (d: number): number => tf.tidy(() => {
      const y = x.slice();
      y[i] = (y[i] as number) + d;
      return f(tf.tensor(y, shape)).dataSync()[0] as number;
    });
    g.push((at(eps) - at(-eps)) / (2 * eps));
  }
  return g;
}
