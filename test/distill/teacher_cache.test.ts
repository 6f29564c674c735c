/**
 * The cached teacher: the top-k + rest KL matches PyTorch (value and gradient), equals the full forward KL at k = V,
 * and a cache built from a transformers-made checkpoint holds exactly the teacher's live top-k statistics.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { cachedKl, type CachedTeacher } from '../../src/distill/cached_kl.js';
import { forwardKl, DistillLossError } from '../../src/distill/losses.js';
import { cacheTeacher, readCacheInfo, TeacherCache, TeacherCacheError } from '../../src/distill/teacher_cache.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { forward } from '../../src/model/forward.js';
import { maxRelDiff, randn, runPython, useCpu } from './helpers.js';
import { GEN, noLeaks, tmpDir } from '../helpers.js';

const N = 6, V = 40, K = 5;
const teacherLogits = randn(N * V, 11, 3);
const studentLogits = randn(N * V, 12, 3);

function cachedFrom(t: tf.Tensor2D, k: number): CachedTeacher {
  const { values, indices } = tf.topk(t, k);
  return { values: values as tf.Tensor2D, indices: indices as tf.Tensor2D, lse: tf.logSumExp(t, -1) as tf.Tensor1D };
}

function lossAndGrad(c: CachedTeacher, s: number[]): { loss: number; grad: number[] } {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => cachedKl(c, x))(tf.tensor2d(s, [N, V]));
    return { loss: value.dataSync()[0] as number, grad: Array.from(grad.dataSync()) };
  });
}

describe('cachedKl', () => {
  before(useCpu);

  it('value and gradient match PyTorch (top-k + rest bucket, float64)', async () => {
    const ref = runPython('test/distill/cached_kl_reference.py', { shape: [N, V], topk: K, teacher: teacherLogits, student: studentLogits });
    const t = tf.tensor2d(teacherLogits, [N, V]);
    const c = cachedFrom(t, K);
    const { loss, grad } = await noLeaks(() => lossAndGrad(c, studentLogits));
    assert.ok(Math.abs(loss - ref.loss) < 1e-5, `loss ${loss} vs torch ${ref.loss}`);
    assert.ok(maxRelDiff(grad, ref.grad) < 1e-5, `grad diff ${maxRelDiff(grad, ref.grad)}`);
    assert.ok(loss <= ref.full_kl + 1e-6, 'the bucketed KL is a lower bound of the full KL');
    tf.dispose([t, ...Object.values(c)]);
  });

  it('equals the full forward KL when k = V', () => {
    tf.tidy(() => {
      const t = tf.tensor2d(teacherLogits, [N, V]);
      const s = tf.tensor2d(studentLogits, [N, V]);
      const a = cachedKl(cachedFrom(t, V), s).dataSync()[0] as number;
      const b = forwardKl(t, s).dataSync()[0] as number;
      assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
    });
  });

  it('refuses τ ≠ 1 and mismatched positions with DistillLossError', () => {
    tf.tidy(() => {
      const t = tf.tensor2d(teacherLogits, [N, V]);
      const c = cachedFrom(t, K);
      assert.throws(() => cachedKl(c, tf.tensor2d(studentLogits, [N, V]), { temperature: 2 }), DistillLossError);
      assert.throws(() => cachedKl(c, tf.zeros([N + 1, V])), /6 positions/);
    });
  });
});

describe('cacheTeacher / TeacherCache', () => {
  before(useCpu);
  const MODEL = path.join(GEN, 'llama_gqa');

  it('holds the live teacher top-k logits and log-sum-exp of every window; reopened shard by shard', async () => {
    const teacher = await loadModel(MODEL, { requireTokenizer: false });
    const T = 8, W = 5;
    const ids = Array.from({ length: W * T + 3 }, (_, i) => (i * 37 + 11) % teacher.spec.vocabSize);
    const dir = path.join(tmpDir('tcache'), 'cache');
    const info = await noLeaks(() => cacheTeacher(teacher, ids, dir, { seqLen: T, topK: 4, batch: 2, shardWindows: 2 }));
    assert.deepEqual([info.windows, fs.readdirSync(dir).filter((f) => f.startsWith('shard-')).length], [W, 3]);
    const cache = TeacherCache.open(dir);
    cache.check(Int32Array.from(ids), T, teacher.spec.vocabSize);
    const got = cache.batch([3, 0]);
    const live = tf.tidy(() => {
      const x = tf.tensor2d(Int32Array.from([...ids.slice(3 * T, 4 * T), ...ids.slice(0, T)]), [2, T], 'int32');
      const flat = tf.reshape(forward(teacher.spec, teacher.params, x), [2 * T, teacher.spec.vocabSize]) as tf.Tensor2D;
      const top = tf.topk(flat, 4);
      return { v: top.values.dataSync(), i: top.indices.dataSync(), l: tf.logSumExp(flat, -1).dataSync() };
    });
    assert.deepEqual(Array.from(got.indices), Array.from(live.i));
    assert.ok(maxRelDiff(got.values, live.v) < 1e-6 && maxRelDiff(got.lse, live.l) < 1e-6);
    assert.deepEqual(Array.from(got.ids.subarray(0, T)), ids.slice(3 * T, 4 * T));
    tf.dispose(Object.values(teacher.params));
  });

  it('resumes an interrupted build, refuses other options, other data and incomplete folders, naming them', async () => {
    const teacher = await loadModel(MODEL, { requireTokenizer: false });
    const T = 8;
    const ids = Array.from({ length: 6 * T }, (_, i) => (i * 13 + 5) % teacher.spec.vocabSize);
    const dir = path.join(tmpDir('tcache2'), 'cache');
    const stop = new AbortController();
    let seen = 0;
    await assert.rejects(cacheTeacher(teacher, ids, dir, { seqLen: T, topK: 3, shardWindows: 2, batch: 2,
      onProgress: () => { seen += 1; if (seen === 1) stop.abort(); }, signal: stop.signal }), TeacherCacheError);
    assert.throws(() => TeacherCache.open(dir), (e: unknown) => e instanceof TeacherCacheError && /shard-00001\.safetensors of 3 shards is missing/.test(e.message));
    const before = fs.statSync(path.join(dir, 'shard-00000.safetensors')).mtimeMs;
    await cacheTeacher(teacher, ids, dir, { seqLen: T, topK: 3, shardWindows: 2, batch: 2 });
    assert.equal(fs.statSync(path.join(dir, 'shard-00000.safetensors')).mtimeMs, before, 'finished shards are kept');
    await assert.rejects(cacheTeacher(teacher, ids, dir, { seqLen: T, topK: 5, shardWindows: 2 }), /made with topK=3, this call has topK=5/);
    const c = TeacherCache.open(dir);
    assert.throws(() => c.check(Int32Array.from(ids.map((x) => (x + 1) % teacher.spec.vocabSize)), T, teacher.spec.vocabSize), /other data/);
    assert.throws(() => c.check(Int32Array.from(ids), 16, teacher.spec.vocabSize), /seqLen 16/);
    assert.throws(() => c.batch([6]), /window 6 is outside \[0, 6\)/);
    fs.writeFileSync(path.join(dir, 'cache.json'), '{ nope');
    assert.throws(() => readCacheInfo(dir), (e: unknown) => e instanceof TeacherCacheError && e.message.includes('cache.json is not valid JSON'));
    tf.dispose(Object.values(teacher.params));
  });
});
