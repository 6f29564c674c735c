import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addon, skipNative, rand, checkSame } from './helpers.js';
import { installNativeKernels } from '../../src/backend/native_kernels.js';
import { broadcastStrides } from '../../src/backend/native_elementwise.js';
import { TINY_DEFAULT, tinyWeights, tinyForward, klLoss } from '../../bench/tiny_model.js';

const PAIRS: [number[], number[]][] = [[[3, 4], [3, 4]], [[3, 4], [4]], [[3, 1], [1, 4]], [[2, 3, 5], [3, 1]], [[], [2, 3]], [[7], []],
  [[1], [5]], [[2, 1, 3, 1], [4, 1, 6]], [[0, 3], [3]], [[1, 1], [1, 1]]];

describe('native element-wise kernels', { skip: skipNative }, () => {
  before(() => installNativeKernels(addon!));

  it('broadcastStrides zeroes broadcast dims', () => {
    assert.deepEqual([...broadcastStrides([3, 1], [2, 3, 4])], [0, 1, 0]);
    assert.deepEqual([...broadcastStrides([2, 3, 4], [2, 3, 4])], [12, 4, 1]);
  });

  for (const [name, op] of [['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum],
    ['minimum', tf.minimum], ['squaredDifference', tf.squaredDifference], ['pow', tf.pow]] as const) {
    it(`${name} with broadcasting matches the reference (values and grads)`, () => {
      PAIRS.forEach(([sa, sb], i) => {
        const pos = name === 'pow' || name === 'div';
        checkSame(`${name} ${sa}|${sb}`, () => op(rand(sa, i, pos ? 0.5 : -2, 2), rand(sb, i + 50, pos ? 0.5 : -2, 2)));
        // tfjs-core's SquaredDifference gradient does not reduce broadcast dims (a core bug): equal shapes only.
        if (name !== 'maximum' && name !== 'minimum' && (name !== 'squaredDifference' || String(sa) === String(sb))) {
          checkSame(`${name} grad ${sa}|${sb}`, () => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(op(x, y), 1.5)))(
            [rand(sa, i, pos ? 0.5 : -2, 2), rand(sb, i + 50, pos ? 0.5 : -2, 2)]), 2e-4, 1e-4);
        }
      });
    });
  }

  it('int32 inputs fall back to the reference', () => {
    assert.deepEqual(tf.add(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32')).arraySync(), [4, 6]);
  });

  for (const [name, op, lo, hi] of [['exp', tf.exp, -3, 3], ['log', tf.log, 0.1, 5], ['sigmoid', tf.sigmoid, -8, 8], ['sqrt', tf.sqrt, 0.1, 4],
    ['rsqrt', tf.rsqrt, 0.1, 4], ['square', tf.square, -3, 3], ['neg', tf.neg, -3, 3], ['abs', tf.abs, -3, 3], ['relu', tf.relu, -3, 3],
    ['tanh', tf.tanh, -4, 4], ['erf', tf.erf, -3, 3], ['reciprocal', tf.reciprocal, 0.2, 3], ['log1p', tf.log1p, -0.5, 3],
    ['softplus', tf.softplus, -30, 30]] as const) {
    it(`${name} matches the reference (values and grads)`, () => {
      checkSame(name, () => (op as (x: tf.Tensor) => tf.Tensor)(rand([5, 37], 3, lo, hi)), 1e-5, 1e-6);
      checkSame(`${name} grad`, () => tf.grad((x: tf.Tensor) => tf.sum((op as (x: tf.Tensor) => tf.Tensor)(x)))(rand([5, 37], 4, lo, hi)), 1e-4, 1e-6);
    });
  }

  it('reductions over contiguous and non-contiguous axes match the reference', () => {
    const shape = [3, 4, 5, 2];
    const axes: (number | number[] | undefined)[] = [undefined, 0, 1, -1, [1, 2], [0, 1], [2, 3], [0, 2], [0, 1, 2, 3]];
    for (const [name, op] of [['sum', tf.sum], ['mean', tf.mean], ['max', tf.max], ['min', tf.min]] as const) {
      for (const axis of axes) for (const keepDims of [false, true]) {
        checkSame(`${name} axis ${axis} keep ${keepDims}`, () => op(rand(shape, 9), axis, keepDims), 1e-5, 1e-6);
        checkSame(`${name} grad axis ${axis}`, () => tf.grad((x: tf.Tensor) => tf.sum(tf.square(op(x, axis, keepDims))))(rand(shape, 10)), 1e-4, 1e-6);
      }
    }
  });

  it('softmax and logSoftmax match the reference (values, grads, masked rows)', () => {
    for (const shape of [[5, 7], [2, 3, 1], [4, 513], [1, 1]]) {
      checkSame(`softmax ${shape}`, () => tf.softmax(rand(shape, 11, -5, 5)), 1e-5, 1e-7);
      checkSame(`softmax grad ${shape}`, () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.softmax(x), rand(shape, 12))))(rand(shape, 13)), 1e-4, 1e-6);
      checkSame(`logSoftmax grad ${shape}`, () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(x), rand(shape, 12))))(rand(shape, 13)), 1e-4, 1e-6);
    }
    checkSame('softmax with -1e9 mask', () => tf.softmax(tf.add(rand([4, 4], 14), tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([4, 4]), -1, 0)), -1e9))));
  });

  it('transpose matches the reference for float32 and int32, ranks 2-5', () => {
    const perms = [[1, 0], [0, 2, 1], [2, 0, 1], [0, 2, 1, 3], [3, 1, 0, 2], [4, 0, 3, 1, 2]];
    perms.forEach((perm, i) => {
      const shape = [3, 1, 4, 2, 5].slice(0, perm.length);
      checkSame(`transpose ${perm}`, () => tf.transpose(rand(shape, i), perm), 0, 0);
      checkSame(`transpose int ${perm}`, () => tf.cast(tf.transpose(tf.cast(tf.mul(rand(shape, i), 100), 'int32'), perm), 'float32'), 0, 0);
    });
  });

  it('unsortedSegmentSum and the gradient of gather match the reference', () => {
    const ids = () => tf.tensor1d([3, 0, 3, 5, 1, 0, 9], 'int32');
    checkSame('segmentSum', () => tf.unsortedSegmentSum(rand([7, 6], 1), ids(), 8)); // id 9 out of range: dropped
    checkSame('segmentSum 1-D', () => tf.unsortedSegmentSum(rand([7], 2), ids(), 10));
    checkSame('gather grad', () => tf.grad((e: tf.Tensor) => tf.sum(tf.square(tf.gather(e, tf.tensor2d([[1, 2, 1], [0, 4, 4]], [2, 3], 'int32')))))(rand([5, 3], 3)));
  });

  it('a tiny transformer distillation loss and its gradients match the reference', () => {
    const c = { ...TINY_DEFAULT, vocab: 40, dim: 16, heads: 2, ffn: 24 };
    const wt = tinyWeights(c, 1), ws = tinyWeights(c, 2);
    checkSame('tiny distill grads', () => {
      const teacher: Record<string, tf.Tensor> = {}, student: Record<string, tf.Tensor> = {};
      for (const [k, v] of wt) teacher[k] = tf.tensor(v.data, v.shape);
      for (const [k, v] of ws) student[k] = tf.tensor(v.data, v.shape);
      const ids = tf.tensor2d([[1, 5, 9, 2, 39, 0], [7, 7, 3, 1, 2, 8]], [2, 6], 'int32');
      const names = Object.keys(student);
      const tl = tinyForward(c, teacher, ids);
      const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) =>
        klLoss(tl, tinyForward(c, Object.fromEntries(names.map((n, i) => [n, ps[i]])), ids)))(names.map((n) => student[n]));
      return [value, ...grads];
    }, 2e-3, 1e-6);
  });
});
