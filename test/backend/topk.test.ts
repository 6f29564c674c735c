import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addon, skipNative, rand, assertClose } from './helpers.js';
import { installNativeKernels } from '../../src/backend/native_kernels.js';
import { FusedOpError } from '../../src/backend/fused_ops.js';
import { topKWithLse } from '../../src/backend/topk.js';

/** tf.topk and tf.logSumExp with the native kernels off: the reference. */
function reference(x: tf.Tensor2D, k: number): { values: Float32Array; ids: Int32Array; lse: Float32Array } {
  const saved = process.env.MINITRON_FUSED;
  process.env.MINITRON_FUSED = '0';
  try {
    const r = topKWithLse(x, k);
    const out = { values: r.values.dataSync() as Float32Array, ids: r.indices.dataSync() as Int32Array, lse: r.lse.dataSync() as Float32Array };
    tf.dispose([r.values, r.indices, r.lse]);
    return out;
  } finally {
    if (saved === undefined) delete process.env.MINITRON_FUSED; else process.env.MINITRON_FUSED = saved;
  }
}

describe('topKWithLse (native) vs tf.topk and tf.logSumExp', { skip: skipNative }, () => {
  before(() => installNativeKernels(addon!));
  const cases: [string, number, number, number][] = [['k = 5 of 97', 13, 97, 5], ['k = 1', 7, 40, 1], ['k = V', 6, 33, 33], ['k = 64 of 4096', 9, 4096, 64]];
  for (const [name, n, v, k] of cases) {
    it(`${name}: same values, ids in the same order, and the same log-sum-exp`, () => {
      const before = tf.memory().numTensors;
      const x = tf.tidy(() => tf.mul(rand([n, v], 3), 8)) as tf.Tensor2D; // [N, V]
      const ref = reference(x, k);
      const got = topKWithLse(x, k);
      assert.deepEqual(Array.from(got.indices.dataSync()), Array.from(ref.ids));
      assertClose(got.values.dataSync() as Float32Array, ref.values, 0, 0, 'values');
      assertClose(got.lse.dataSync() as Float32Array, ref.lse, 1e-6, 1e-6, 'lse');
      tf.dispose([x, got.values, got.indices, got.lse]);
      assert.equal(tf.memory().numTensors, before, 'tensor leak');
    });
  }

  it('ties keep the lower id first, as tf.topk; -Infinity entries are never preferred', () => {
    const x = tf.tensor2d([[1, 3, 3, 2, 3, -Infinity], [0, 0, 0, 0, 0, 0]], [2, 6]);
    const got = topKWithLse(x, 4), ref = reference(x, 4);
    assert.deepEqual(Array.from(got.indices.dataSync()), [1, 2, 4, 3, 0, 1, 2, 3]);
    assert.deepEqual(Array.from(got.indices.dataSync()), Array.from(ref.ids));
    assertClose(got.lse.dataSync() as Float32Array, ref.lse, 1e-6, 1e-6, 'lse');
    tf.dispose([x, got.values, got.indices, got.lse]);
  });

  it('refuses k outside [1, V] with FusedOpError', () => {
    const x = tf.zeros([2, 5]) as tf.Tensor2D;
    for (const k of [0, 6, 1.5]) assert.throws(() => topKWithLse(x, k), (e: Error) => e instanceof FusedOpError && /k must be an integer in \[1, 5\]/.test(e.message));
    x.dispose();
  });
});
