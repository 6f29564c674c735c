/**
 * The one next-token NLL (src/eval/nll.ts) on every available backend: per-position values, the mean and its
 * gradient against PyTorch's cross_entropy, and no one-hot [N, V] tensor (no OneHot kernel runs).
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/backend/gradients.js';
import { meanNextTokenNll, nextTokenNll, nllFromLogits } from '../../src/eval/nll.js';
import { UsageError } from '../../src/errors.js';
import { describeEachBackend } from '../backends.js';
import { maxRelDiff, randn, runPython } from '../distill/helpers.js';
import { noLeaks } from '../helpers.js';

const [B, T, V] = [2, 7, 33];
const logits = randn(B * T * V, 11, 3);
const ids = Array.from({ length: B * T }, (_, i) => (i * 13 + 5) % V);
const ref = runPython('test/eval/nll_reference.py', { shape: [B, T, V], logits, ids }) as { per: number[]; loss: number; grad: number[] };

describeEachBackend('next-token NLL', (b) => {
  b.test('values and gradient equal torch cross_entropy; no one-hot', async () => {
    await noLeaks(async () => {
      const x = tf.tensor3d(logits, [B, T, V]);
      const y = tf.tensor2d(ids, [B, T], 'int32');
      const per = nextTokenNll(x, y); // [B, T-1]
      assert.deepEqual(per.shape, [B, T - 1]);
      assert.ok(maxRelDiff(per.dataSync(), ref.per) <= b.tol.loss, 'per-position NLL');
      const prof = await tf.profile(() => tf.grad((l: tf.Tensor) => meanNextTokenNll(l as tf.Tensor3D, y))(x));
      const grad = prof.result as tf.Tensor;
      assert.ok(maxRelDiff(grad.dataSync(), ref.grad) <= b.tol.lossGrad, `gradient (${b.name})`);
      const names = prof.kernels.map((k) => k.name);
      assert.ok(!names.includes('OneHot'), `kernels: ${names.join(',')}`);
      assert.ok(names.includes('GatherV2'), `kernels: ${names.join(',')}`);
      const mean = meanNextTokenNll(x, y);
      assert.ok(Math.abs(mean.dataSync()[0] - ref.loss) <= b.tol.loss);
      tf.dispose([x, y, per, grad, mean]);
    });
  });

  b.test('shape errors name both shapes', () => tf.tidy(() => {
    const x = tf.zeros([2, 3, 5]) as tf.Tensor3D;
    assert.throws(() => nllFromLogits(x, tf.zeros([2, 4], 'int32')), (e: unknown) => e instanceof UsageError && /\[2,4\].*\[2,3,5\]/.test(String(e)));
    assert.throws(() => nextTokenNll(x, tf.zeros([3, 3], 'int32') as tf.Tensor2D), UsageError);
  }));
});
