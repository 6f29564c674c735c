/**
 * tapAggregate / cosineSum (native single-pass statistics of tapped activations) against the same statistics in
 * tfjs ops on tfjs' reference kernels, for every aggregation and both tap layouts. (Scores end to end against
 * transformers hooks: importance.test.ts.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addon, skipNative, rand, assertClose } from '../backend/helpers.js';
import { installNativeKernels, uninstallNativeKernels } from '../../src/backend/native_kernels.js';
import { tapAggregate, cosineSum } from '../../src/importance/aggregate.js';
import type { Aggregation } from '../../src/types.js';

function both<T extends tf.TensorContainer>(fn: () => T): { nat: T; ref: T } {
  installNativeKernels(addon!);
  const nat = tf.tidy(fn);
  uninstallNativeKernels();
  const ref = tf.tidy(fn);
  installNativeKernels(addon!);
  return { nat, ref };
}

test('tapAggregate: mean / l2 / var of |x| and of per-head norms equal the tfjs-op version', { skip: skipNative }, () => {
  for (const how of ['mean', 'l2', 'var'] as Aggregation[]) {
    const a = both(() => tapAggregate(rand([3, 17, 40], 1), false, how));
    assertClose(a.nat, a.ref, 1e-5, 1e-6, `|x| ${how}`);
    const h = both(() => tapAggregate(rand([2, 9, 5, 8], 2), true, how));
    assertClose(h.nat, h.ref, 1e-5, 1e-6, `per-head norm ${how}`);
    assert.equal(h.nat.length, 2 * 5);
  }
});

test('cosineSum equals the sum of per-position cosines; zero rows count 0', { skip: skipNative }, () => {
  const r = both(() => cosineSum(rand([2, 7, 33], 3), rand([2, 7, 33], 4)));
  assert.ok(Math.abs(r.nat - r.ref) < 1e-5, `${r.nat} vs ${r.ref}`);
  const z = both(() => cosineSum(tf.zeros([1, 3, 4]), rand([1, 3, 4], 5)));
  assert.equal(z.nat, 0);
  assert.ok(Math.abs(z.ref) < 1e-6);
  const same = both(() => { const x = rand([4, 6], 6); return cosineSum(x, x); });
  assert.ok(Math.abs(same.nat - 4) < 1e-6);
});
