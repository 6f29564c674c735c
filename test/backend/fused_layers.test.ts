/**
 * Fused layers (rmsNorm, siluMul, rope, causalAttention): native forward and backward kernels against the
 * same math in plain tfjs ops on tfjs' reference cpu kernels, values and gradients of every input; bad shapes.
 * (Whole-model gradients against transformers: test/model/grads.test.ts.)
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addon, skipNative, rand, assertClose } from './helpers.js';
import { installNativeKernels, uninstallNativeKernels } from '../../src/backend/native_kernels.js';
import { rmsNorm, siluMul, rope, causalAttention } from '../../src/backend/fused_layers.js';
import { FusedOpError, fusedAdamW, klDivLogits } from '../../src/backend/fused_ops.js';
import { ropeTables } from '../../src/model/rope.js';
import type { ModelSpec } from '../../src/types.js';

/** Value and gradients of sum(f(inputs) · r) for a fixed random r; inputs made by `make` (seeded). */
function valueAndGrads(make: () => tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor): Float32Array[] {
  const before = tf.memory().numTensors;
  const res = tf.tidy(() => {
    const xs = make();
    const y = f(...xs);
    const r = rand(y.shape, 99);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)))(xs);
    return [y, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
  return res;
}

/** Native path (kernels installed) vs tfjs reference path (kernels uninstalled). */
function compare(what: string, make: () => tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor, rtol = 1e-4, atol = 1e-5): void {
  const nat = valueAndGrads(make, f);
  uninstallNativeKernels();
  const ref = valueAndGrads(make, f);
  installNativeKernels(addon!);
  ref.forEach((r, i) => assertClose(nat[i], r, rtol, atol, `${what} ${i === 0 ? 'value' : `grad ${i - 1}`}`));
}

const SPEC = { headDim: 16, ropeTheta: 10000, ropeScaling: null } as unknown as ModelSpec;

describe('fused layers', { skip: skipNative }, () => {
  before(() => installNativeKernels(addon!));
  after(() => installNativeKernels(addon!));

  it('rmsNorm equals x·rsqrt(mean(x²)+eps)·w, gradients for x and w', () => {
    for (const shape of [[1, 8], [3, 5, 64], [7, 1]]) {
      const D = shape[shape.length - 1];
      compare(`rmsNorm [${shape}]`, () => [tf.mul(rand(shape, 1), 3), rand([D], 2, 0.5, 1.5)], (x, w) => rmsNorm(x, w, 1e-5));
    }
  });

  it('siluMul equals silu(gate)·up, gradients for both', () => {
    for (const shape of [[4, 33], [2, 3, 128]]) {
      compare(`siluMul [${shape}]`, () => [tf.mul(rand(shape, 3), 6), rand(shape, 4)], (g, u) => siluMul(g, u));
    }
  });

  it('rope equals x·cos + rotate_half(x)·sin, gradient is the inverse rotation', () => {
    const { cos, sin } = ropeTables(SPEC, 11);
    compare('rope', () => [rand([2, 11, 3, 16], 5)], (x) => rope(x as tf.Tensor4D, cos, sin));
    tf.dispose([cos, sin]);
  });

  for (const [H, KV, window] of [[4, 4, null], [4, 2, null], [6, 1, null], [4, 2, 5]] as [number, number, number | null][]) {
    it(`causalAttention H=${H} KV=${KV} window=${window}: output and q/k/v gradients`, () => {
      const B = 2, T = 13, Dh = 8;
      compare(`attention H${H} KV${KV} w${window}`,
        () => [rand([B, T, H, Dh], 6), rand([B, T, KV, Dh], 7), rand([B, T, KV, Dh], 8)].map((t) => tf.mul(t, 2)),
        (q, k, v) => causalAttention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, { window }), 1e-4, 2e-5);
    });
  }

  it('attention: a window as long as the sequence equals no window; the first query sees only itself', () => {
    const [a, b, first] = tf.tidy(() => {
      const q = rand([1, 6, 2, 4], 1) as tf.Tensor4D, k = rand([1, 6, 2, 4], 2) as tf.Tensor4D, v = rand([1, 6, 2, 4], 3) as tf.Tensor4D;
      const o1 = causalAttention(q, k, v, { window: 6 }), o2 = causalAttention(q, k, v);
      return [o1.dataSync(), o2.dataSync(), tf.slice(o2, [0, 0, 0, 0], [1, 1, 2, 4]).dataSync()].map((x) => Float32Array.from(x));
    });
    assertClose(a, b, 0, 0, 'window 6 vs none');
    const v0 = tf.tidy(() => Float32Array.from(tf.slice(rand([1, 6, 2, 4], 3), [0, 0, 0, 0], [1, 1, 2, 4]).dataSync()));
    assertClose(first, v0, 1e-6, 1e-7, 'first position = its own value');
  });

  it('large inputs take the multi-threaded native paths with the same results', () => {
    compare('rmsNorm [256, 160]', () => [rand([256, 160], 11), rand([160], 12, 0.5, 1.5)], (x, w) => rmsNorm(x, w, 1e-6));
    compare('siluMul [2, 40000]', () => [tf.mul(rand([2, 40000], 13), 5), rand([2, 40000], 14)], (g, u) => siluMul(g, u));
    compare('klDivLogits [64, 700]', () => [tf.mul(rand([64, 700], 16), 3)], (s) => klDivLogits(tf.mul(rand([64, 700], 15), 3), s), 1e-3, 1e-7);
    const run = () => tf.tidy(() => {
      const p = tf.variable(rand([400, 400], 17)), m = tf.variable(tf.mul(rand([400, 400], 18), 0.1)), v = tf.variable(tf.abs(rand([400, 400], 19)));
      fusedAdamW(p, rand([400, 400], 20), m, v, { lr: 1e-2, step: 3 });
      const out = [p, m, v].map((t) => Float32Array.from(t.dataSync()));
      tf.dispose([p, m, v]);
      return out;
    });
    const nat = run();
    uninstallNativeKernels();
    const ref = run();
    installNativeKernels(addon!);
    nat.forEach((x, i) => assertClose(x, ref[i], 1e-5, 1e-6, `fusedAdamW [400, 400] output ${i}`));
  });

  it('rejects bad shapes with FusedOpError naming the tensors', () => {
    assert.throws(() => rmsNorm(tf.zeros([2, 4]), tf.zeros([5]), 1e-5), (e: Error) => e instanceof FusedOpError && /weight \[5\] must be \[4\]/.test(e.message));
    assert.throws(() => siluMul(tf.zeros([2, 4]), tf.zeros([4, 2])), (e: Error) => e instanceof FusedOpError && /gate \[2,4\] and up \[4,2\]/.test(e.message));
    assert.throws(() => rope(tf.zeros([1, 3, 2, 4]) as tf.Tensor4D, tf.zeros([2, 4]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D), (e: Error) => e instanceof FusedOpError && /tables/.test(e.message));
    assert.throws(() => causalAttention(tf.zeros([1, 3, 3, 4]) as tf.Tensor4D, tf.zeros([1, 3, 2, 4]) as tf.Tensor4D, tf.zeros([1, 3, 2, 4]) as tf.Tensor4D),
      (e: Error) => e instanceof FusedOpError && /H % KV == 0/.test(e.message));
    assert.throws(() => causalAttention(tf.zeros([1, 3, 2, 4]) as tf.Tensor4D, tf.zeros([1, 3, 2, 4]) as tf.Tensor4D, tf.zeros([1, 3, 2, 4]) as tf.Tensor4D, { window: 0 }),
      (e: Error) => e instanceof FusedOpError && /window 0/.test(e.message));
  });
});
