import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addon, skipNative, rand, assertClose } from './helpers.js';
import { installNativeKernels, uninstallNativeKernels } from '../../src/backend/native_kernels.js';
import { klDivLogits, fusedAdamW, FusedOpError } from '../../src/backend/fused_ops.js';

/** Plain-ops reference: τ²·mean KL(softmax(t/τ) || softmax(s/τ)). */
function reference(t: tf.Tensor, s: tf.Tensor, tau: number): tf.Scalar {
  const lt = tf.logSoftmax(tf.div(t, tau)), ls = tf.logSoftmax(tf.div(s, tau));
  return tf.mul(tf.mean(tf.sum(tf.mul(tf.exp(lt), tf.sub(lt, ls)), -1)), tau * tau) as tf.Scalar;
}

function valueAndGrad(fn: (t: tf.Tensor, s: tf.Tensor) => tf.Scalar, shape: number[], seed: number): { value: number; grad: Float32Array } {
  return tf.tidy(() => {
    const t = tf.mul(rand(shape, seed), 4), s = tf.mul(rand(shape, seed + 1), 4);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => fn(t, x))(s);
    return { value: value.dataSync()[0], grad: Float32Array.from(grad.dataSync()) };
  });
}

describe('klDivLogits', { skip: skipNative }, () => {
  before(() => installNativeKernels(addon!));
  after(() => installNativeKernels(addon!));

  for (const tau of [1, 2.5]) {
    it(`matches the tfjs reference (value and student gradient), temperature ${tau}`, () => {
      for (const shape of [[1, 1], [5, 7], [2, 3, 129], [4, 1000]]) {
        const nat = valueAndGrad((t, s) => klDivLogits(t, s, { temperature: tau }), shape, 7);
        uninstallNativeKernels();
        const ref = valueAndGrad((t, s) => reference(t, s, tau), shape, 7);
        const fallback = valueAndGrad((t, s) => klDivLogits(t, s, { temperature: tau }), shape, 7); // non-native path
        installNativeKernels(addon!);
        assert.ok(Math.abs(nat.value - ref.value) <= 1e-5 + 1e-4 * Math.abs(ref.value), `value ${nat.value} vs ${ref.value} for [${shape}]`);
        assertClose(nat.grad, ref.grad, 1e-3, 1e-7, `grad [${shape}]`);
        assert.ok(Math.abs(fallback.value - ref.value) <= 1e-6 + 1e-5 * Math.abs(ref.value));
        assertClose(fallback.grad, ref.grad, 1e-5, 1e-8, `fallback grad [${shape}]`);
      }
    });
  }

  it('is zero for identical logits, handles -1e9 masks, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const z = tf.tidy(() => { const x = rand([3, 11], 1); return klDivLogits(x, x).dataSync()[0]; });
    assert.ok(Math.abs(z) < 1e-6);
    const m = tf.tidy(() => klDivLogits(tf.tensor2d([[0, -1e9, 1]]), tf.tensor2d([[0.5, 0, 1]])).dataSync()[0]);
    const r = tf.tidy(() => reference(tf.tensor2d([[0, -1e9, 1]]), tf.tensor2d([[0.5, 0, 1]]), 1).dataSync()[0]);
    assert.ok(Math.abs(m - r) < 1e-5, `${m} vs ${r}`);
    tf.dispose(tf.tidy(() => tf.grads((s: tf.Tensor) => klDivLogits(rand([4, 9], 2), s))([rand([4, 9], 3)])));
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects mismatched shapes and bad temperatures with FusedOpError', () => {
    assert.throws(() => klDivLogits(tf.zeros([2, 3]), tf.zeros([2, 4])), (e: Error) => e instanceof FusedOpError && /teacher \[2,3\] and student \[2,4\]/.test(e.message));
    assert.throws(() => klDivLogits(tf.zeros([2, 3]), tf.zeros([2, 3]), { temperature: 0 }), FusedOpError);
  });
});

describe('fusedAdamW', { skip: skipNative }, () => {
  /** Three AdamW steps on a [7, 5] variable; returns p, m, v after them. */
  function run(): Float32Array[] {
    const init = [rand([7, 5], 1), tf.zeros([7, 5])];
    const p = tf.variable(init[0], true, `p${Math.random()}`), m = tf.variable(init[1], false), v = tf.variable(init[1], false);
    tf.dispose(init);
    for (let step = 1; step <= 3; step++) {
      const g = rand([7, 5], 10 + step);
      fusedAdamW(p, g, m, v, { lr: 0.05, weightDecay: 0.1, step });
      g.dispose();
    }
    const out = [p, m, v].map((t) => Float32Array.from(t.dataSync()));
    tf.dispose([p, m, v]);
    return out;
  }

  it('matches the tfjs-ops version (torch.optim.AdamW arithmetic) and leaks nothing', () => {
    installNativeKernels(addon!);
    const before = tf.memory().numTensors;
    const nat = run();
    assert.equal(tf.memory().numTensors, before);
    uninstallNativeKernels();
    const ref = run();
    installNativeKernels(addon!);
    nat.forEach((a, i) => assertClose(a, ref[i], 1e-5, 1e-7, ['p', 'm', 'v'][i]));
  });

  it('rejects mismatched shapes and step < 1', () => {
    const p = tf.variable(tf.zeros([2, 2])), m = tf.variable(tf.zeros([2, 2])), v = tf.variable(tf.zeros([2, 2]));
    assert.throws(() => fusedAdamW(p, tf.zeros([2]), m, v, { lr: 1, step: 1 }), (e: Error) => e instanceof FusedOpError && /g \[2\] must match/.test(e.message));
    assert.throws(() => fusedAdamW(p, tf.zeros([2, 2]), m, v, { lr: 1, step: 0 }), FusedOpError);
    tf.dispose([p, m, v]);
  });
});
