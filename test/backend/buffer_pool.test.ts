/**
 * The native kernels' output pool: arrays come back after tfjs frees their tensor, but never while anything
 * outside the backend can see them (dataSync/data results, views stored as another tensor, shared storage).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addon, skipNative, rand } from './helpers.js';
import { installNativeKernels, uninstallNativeKernels } from '../../src/backend/native_kernels.js';
import { bufferPool } from '../../src/backend/buffer_pool.js';

const N = 64 * 1024; // above the pool's minimum length

describe('buffer pool', { skip: skipNative }, () => {
  before(() => installNativeKernels(addon!));
  after(() => installNativeKernels(addon!));

  it('recycles the output array of a freed tensor into the next same-size output', () => {
    const a = rand([N], 1);
    const before = bufferPool().getStats();
    tf.tidy(() => { tf.exp(a); tf.exp(a); }); // two outputs, both freed by tidy
    const mid = bufferPool().getStats();
    assert.equal(mid.returned - before.returned, 2);
    const y = tf.exp(a);
    assert.ok(bufferPool().getStats().reused > mid.reused, 'second round reused an idle array');
    assert.ok(Math.abs(y.dataSync()[0] - Math.exp(a.dataSync()[0])) < 1e-5);
    tf.dispose([a, y]);
  });

  it('never recycles an array handed out by dataSync(), so old results stay intact', () => {
    const a = rand([N], 2);
    const seen = tf.tidy(() => tf.mul(a, 2).dataSync()); // the backend's own array, tensor freed by tidy
    const copy = Float32Array.from(seen);
    for (let i = 0; i < 4; i++) tf.dispose(tf.mul(a, 3 + i)); // same size: would overwrite `seen` if it were recycled
    assert.deepEqual(seen, copy);
    a.dispose();
  });

  it('never recycles an array still shared with a view (reshape keeps the data id alive)', () => {
    const a = rand([N], 3);
    const y = tf.exp(a);
    const r = tf.reshape(y, [256, N / 256]);
    y.dispose(); // r still holds the data
    const want = Float32Array.from(tf.tidy(() => tf.exp(a).dataSync()));
    for (let i = 0; i < 3; i++) tf.dispose(tf.exp(tf.mul(a, i)));
    assert.deepEqual(Float32Array.from(r.dataSync()), want);
    tf.dispose([a, r]);
  });

  it('asks for a collection (before the next allocation) after every gcEveryBytes of tensor storage dropped to the garbage collector', () => {
    const pool = bufferPool(), saved = { ...pool.opts };
    let runs = 0;
    Object.assign(pool.opts, { gcEveryBytes: 3 * N * 4, collect: () => { runs++; } });
    try {
      const a = rand([N], 5);
      const before = pool.getStats();
      for (let i = 0; i < 7; i++) tf.tidy(() => { tf.mul(a, i).dataSync(); }); // read arrays never come back: dropped
      tf.dispose(tf.exp(a)); // the collection runs before the next allocation
      const after = pool.getStats();
      const dropped = after.droppedBytes - before.droppedBytes;
      assert.ok(dropped >= 7 * N * 4 && dropped < 7 * N * 4 + 1024, `dropped ${dropped} bytes (7 arrays and 7 scalars)`);
      assert.ok(runs === 2 || runs === 3, `one collection per 3 dropped arrays (plus what earlier tests left): ${runs}`);
      assert.equal(after.collections - before.collections, runs);
      a.dispose();
    } finally {
      Object.assign(pool.opts, saved);
    }
  });

  it('detaches with the native kernels (reference kernels never see pooled arrays)', () => {
    uninstallNativeKernels();
    assert.equal(bufferPool().getStats().idleBytes, 0);
    const x = tf.exp(rand([N], 4));
    assert.ok(x.dataSync().length === N);
    x.dispose();
    installNativeKernels(addon!);
  });
});
