import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addon, skipNative, rand, checkSame } from './helpers.js';
import { installNativeKernels, uninstallNativeKernels, broadcastBatch } from '../../src/backend/native_kernels.js';

const SIZES: [number, number, number][] = [[1, 1, 1], [7, 5, 3], [33, 1, 17], [1, 65, 9], [64, 48, 130]];
const BATCHES: [number[], number[]][] = [[[], []], [[3], [3]], [[2, 3], [3]], [[1], [4]], [[4], [1]], [[2, 1], [1, 3]], [[2, 3], []], [[], [2]]];

function operands(aBatch: number[], bBatch: number[], [m, n, k]: [number, number, number], ta: boolean, tb: boolean, seed: number) {
  const a = rand([...aBatch, ...(ta ? [k, m] : [m, k])], seed);
  const b = rand([...bBatch, ...(tb ? [n, k] : [k, n])], seed + 1);
  return { a, b };
}

/** Reference-safe matmul: broadcasts the batch dims explicitly (tfjs' reference handles only flat broadcasts). */
function matMulFull(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): tf.Tensor {
  const batch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const ab = batch.length ? tf.broadcastTo(a, [...batch, ...a.shape.slice(-2)]) : a;
  const bb = batch.length ? tf.broadcastTo(b, [...batch, ...b.shape.slice(-2)]) : b;
  return tf.matMul(ab, bb, ta, tb);
}

describe('native BatchMatMul', { skip: skipNative }, () => {
  before(() => installNativeKernels(addon!));
  after(() => installNativeKernels(addon!));

  it('broadcastBatch maps output batches to operand batches', () => {
    const r = broadcastBatch([2, 1], [1, 3])!;
    assert.deepEqual(r.shape, [2, 3]);
    assert.deepEqual([...r.aIdx], [0, 0, 0, 1, 1, 1]);
    assert.deepEqual([...r.bIdx], [0, 1, 2, 0, 1, 2]);
    assert.equal(broadcastBatch([2], [3]), null);
  });

  for (const ta of [false, true]) for (const tb of [false, true]) {
    it(`values match the reference kernel, transposeA=${ta} transposeB=${tb}`, () => {
      let seed = 10;
      for (const size of SIZES) for (const [ab, bb] of BATCHES) {
        const s0 = (seed += 2);
        checkSame(`matMul ${ab}|${bb} ${size}`, () => { const { a, b } = operands(ab, bb, size, ta, tb, s0); return matMulFull(a, b, ta, tb); });
        // The native kernel broadcasts by itself: compare it directly with the explicit-broadcast reference.
        const { a, b } = operands(ab, bb, size, ta, tb, seed++);
        const direct = tf.matMul(a, b, ta, tb), full = matMulFull(a, b, ta, tb);
        assert.deepEqual(direct.shape, full.shape);
        const d = direct.dataSync(), f = full.dataSync();
        for (let i = 0; i < d.length; i++) assert.ok(Math.abs(d[i] - f[i]) <= 1e-5 + 1e-4 * Math.abs(f[i]), `direct broadcast ${ab}|${bb} ${size} at ${i}`);
        tf.dispose([a, b, direct, full]);
      }
    });

    it(`gradients match the reference, transposeA=${ta} transposeB=${tb}`, () => {
      let seed = 100;
      for (const size of SIZES) for (const [ab, bb] of [[[], []], [[3], [3]], [[2, 3], [2, 3]]] as [number[], number[]][]) {
        const s0 = (seed += 3);
        checkSame(`grad ${ab}|${bb} ${size}`, () => {
          const { a, b } = operands(ab, bb, size, ta, tb, s0);
          const w = rand([...ab, size[0], size[1]], s0 + 2);
          return tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), w)))([a, b]);
        });
      }
      // Batch broadcast through a 2-D weight (the model's [B*T, D] x [D, F] pattern, reshaped to 2-D).
      checkSame('grad 2-D weight', () => {
        const x = rand([4, 6, 5], 7), wt = rand(tb ? [3, 5] : [5, 3], 8);
        return tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.reshape(p, [24, 5]), q, false, tb))))([x, wt]);
      });
    });
  }

  it('falls back to the reference for int32 and reports shape errors like tfjs', () => {
    const a = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
    assert.deepEqual(tf.matMul(a, a).arraySync(), [[7, 10], [15, 22]]);
    assert.throws(() => tf.matMul(tf.ones([2, 3]), tf.ones([2, 3])), /inner shapes/);
    tf.dispose(a);
  });

  it('_FusedMatMul with bias and activations matches the reference (values and grads)', () => {
    let seed = 300;
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'prelu'] as const) {
      for (const biasShape of [[9], [1], [6, 9], null]) for (const [ta, tb] of [[false, false], [false, true], [true, true]]) {
        const s0 = (seed += 4);
        checkSame(`fused ${activation} bias ${biasShape} ${ta}/${tb}`, () => {
          const a = rand(ta ? [4, 6] : [6, 4], s0), b = rand(tb ? [9, 4] : [4, 9], s0 + 1);
          const bias = biasShape ? rand(biasShape, s0 + 2) : undefined;
          const prelu = activation === 'prelu' ? rand([9], s0 + 3) : undefined;
          return tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation, preluActivationWeights: prelu, leakyreluAlpha: 0.1 });
        });
      }
      if (activation === 'linear' || activation === 'relu') {
        const s1 = (seed += 3);
        checkSame(`fused grad ${activation}`, () => {
          const a = rand([5, 4], s1), b = rand([4, 3], s1 + 1), bias = rand([3], s1 + 2);
          return tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
            tf.sum(tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias: z, activation })))([a, b, bias]);
        });
      }
    }
  });

  it('leaves no tensors or backend buffers behind', () => {
    const t0 = tf.memory().numTensors, d0 = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) tf.dispose(tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, false, true)))([rand([2, 3, 4], i), rand([2, 5, 4], i + 9)])));
    assert.equal(tf.memory().numTensors, t0);
    assert.equal(tf.engine().backend.numDataIds(), d0);
  });

  it('uninstall restores the reference kernels', () => {
    uninstallNativeKernels();
    const r = tf.tidy(() => tf.matMul(rand([3, 4], 1), rand([4, 2], 2)).dataSync());
    installNativeKernels(addon!);
    const n = tf.tidy(() => tf.matMul(rand([3, 4], 1), rand([4, 2], 2)).dataSync());
    for (let i = 0; i < r.length; i++) assert.ok(Math.abs(r[i] - n[i]) < 1e-5);
  });
});
