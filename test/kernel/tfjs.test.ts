import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerChainedOps } from '../../kernel/src/tfjs.js';
import { noLeaks } from '../helpers.js';

type Chained = tf.Tensor & Record<string, (...a: unknown[]) => tf.Tensor>;

test('registerChainedOps puts tfjs-core\'s own chained ops on the Tensor class the functional API returns', async () => {
  await tf.setBackend('cpu');
  const tfDir = path.dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
  const logs: string[] = [];
  const n = registerChainedOps(tfDir, (s) => logs.push(s));
  assert.ok(n > 100, `only ${n} chained-op modules registered: ${logs.join('; ')}`);
  assert.deepEqual(logs, []);
  await noLeaks(() => {
    tf.tidy(() => {
      const a = tf.tensor2d([[1, 2], [3, 4]]) as unknown as Chained;
      const b = tf.tensor2d([[0.5, -1], [2, 0]]);
      const chained = (a.matMul(b) as Chained).add(1) as Chained; // [2, 2]
      assert.deepEqual(chained.arraySync(), tf.add(tf.matMul(a, b), 1).arraySync());
      assert.deepEqual((tf.tensor([1, 2, 3]) as unknown as Chained).sum().arraySync(), 6);
      const cat = (tf.tensor([1, 2]) as unknown as Chained).concat(tf.tensor([3])); // [3]
      assert.deepEqual(Array.from(cat.dataSync()), [1, 2, 3]);
    });
  });
});
