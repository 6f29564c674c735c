/**
 * distill() with a teacher cache: at k = V the cached run takes exactly the steps of the live-teacher run (same losses,
 * same weights), it resumes like a live run, and options a cache cannot serve are refused by name.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { distill, DistillOptionsError, type DistillResult } from '../../src/distill/trainer.js';
import { cacheTeacher, TeacherCache, TeacherCacheError } from '../../src/distill/teacher_cache.js';
import { tinyParams, tinySpec } from './tiny_llama.js';
import { maxRelDiff, useCpu } from './helpers.js';
import { noLeaks, tmpDir } from '../helpers.js';

before(useCpu);

const V = 48;
const T = 8;
const teacher = { spec: tinySpec(2, 32, 64, V), params: {} as Record<string, tf.Tensor> };
const student = { spec: tinySpec(1, 32, 48, V), params: {} as Record<string, tf.Tensor> };
const data = Array.from({ length: 40 * T }, (_, i) => ((i * 7) % V + (i % 5 === 0 ? 3 : 0)) % V);
const base = { student, data, batch: 2, seqLen: T, lr: 1e-2, warmup: 1, minLr: 1e-3, seed: 5 };
const free = (r: DistillResult): void => tf.dispose([...Object.values(r.params), ...r.projections]);

describe('distill with a teacher cache', () => {
  before(() => {
    teacher.params = tinyParams(teacher.spec, 1);
    student.params = tinyParams(student.spec, 2);
  });

  it('k = V: the same losses and weights as the live teacher, no tensor left', async () => {
    const dir = path.join(tmpDir('kdcache'), 'cache');
    await cacheTeacher(teacher, data, dir, { seqLen: T, topK: V, batch: 4 });
    const live = await distill({ ...base, teacher, steps: 6 });
    const cached = await noLeaks(async () => {
      const r = await distill({ ...base, teacher: null, teacherCache: dir, steps: 6 });
      const rows = r.rows.map((x) => x.loss);
      const w = Array.from(r.params['model.layers.0.mlp.down_proj.weight']!.dataSync());
      free(r);
      return { rows, w };
    });
    assert.ok(maxRelDiff(cached.rows, live.rows.map((x) => x.loss)) < 1e-4, `${cached.rows} vs ${live.rows.map((x) => x.loss)}`);
    assert.ok(maxRelDiff(cached.w, Array.from(live.params['model.layers.0.mlp.down_proj.weight']!.dataSync())) < 1e-4);
    free(live);
  });

  it('k < V: trains, resumes to the same losses as a straight run', async () => {
    const dir = path.join(tmpDir('kdcache2'), 'cache');
    await cacheTeacher(teacher, data, dir, { seqLen: T, topK: 6 });
    const cache = TeacherCache.open(dir);
    const opts = { ...base, teacher: null, teacherCache: cache, steps: 6, loss: { weights: { ce: 0.5 } } };
    const straight = await distill({ ...opts, outDir: tmpDir('kdcache-a') });
    const outB = tmpDir('kdcache-b');
    const ctl = new AbortController();
    const first = await distill({ ...opts, outDir: outB, signal: ctl.signal, onStep: (r) => { if (r.step === 2) ctl.abort(); } });
    const resumed = await distill({ ...opts, outDir: outB, resume: true });
    assert.equal(first.step, 2);
    assert.deepEqual(resumed.rows.map((x) => x.loss), straight.rows.map((x) => x.loss));
    assert.ok(straight.rows.every((r) => r.kl !== undefined && r.ce !== undefined));
    [straight, first, resumed].forEach(free);
  });

  it('refuses what a cache cannot serve, and a cache of other data, naming the option', async () => {
    const dir = path.join(tmpDir('kdcache3'), 'cache');
    await cacheTeacher(teacher, data, dir, { seqLen: T, topK: 4 });
    const c = { ...base, teacher: null, teacherCache: dir, steps: 1 };
    await assert.rejects(distill({ ...c, loss: { temperature: 2 } }), (e: unknown) => e instanceof DistillOptionsError && /temperature 2/.test(e.message));
    await assert.rejects(distill({ ...c, loss: { logitLoss: 'reverse_kl' } }), /forward_kl' only, got 'reverse_kl'/);
    await assert.rejects(distill({ ...c, seqLen: 4 }), (e: unknown) => e instanceof TeacherCacheError && /seqLen 4/.test(e.message));
    await assert.rejects(distill({ ...c, data: data.map((x) => (x + 1) % V) }), /other data/);
    await assert.rejects(distill({ ...base, teacher: null, steps: 1 }), /needs a teacher or a teacherCache/);
  });
});
