import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, clipByGlobalNorm, OptimError } from '../../src/distill/optim.js';
import { lrAt, ScheduleError } from '../../src/distill/schedule.js';
import { maxRelDiff, randn, runPython, useCpu } from './helpers.js';
import { describeEachBackend } from '../backends.js';

before(useCpu);

let torchRef: { norms: number[]; params: number[][] } | undefined;

describeEachBackend('AdamW + clipping vs torch.optim.AdamW', (b) => {
  b.test('three steps with decoupled decay on matrices only and global-norm clipping match torch', () => {
    const n0 = tf.memory().numTensors;
    const specs = [
      { name: 'w', shape: [3, 4], decay: true },
      { name: 'b', shape: [4], decay: false },
    ];
    const lrs = [1e-2, 5e-3, 2e-3];
    const clip = 1.5;
    const params = specs.map((s, i) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      return { ...s, data: randn(n, 10 + i), grads: lrs.map((_, k) => randn(n, 100 + 10 * i + k, 2)) };
    });
    const ref = torchRef ??= runPython('test/distill_optim_reference.py', { params, lrs, clip, wd: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8 });
    const vars: Record<string, tf.Variable> = {};
    for (const p of params) {
      const t0 = tf.tensor(p.data, p.shape);
      vars[p.name] = tf.variable(t0);
      t0.dispose();
    }
    const opt = new AdamW(vars, { weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8 });
    lrs.forEach((lr, k) => {
      const grads: Record<string, tf.Tensor> = {};
      for (const p of params) grads[p.name] = tf.tensor(p.grads[k]!, p.shape);
      const c = clipByGlobalNorm(grads, clip);
      assert.ok(Math.abs(c.norm - ref.norms[k]) < 1e-4 * ref.norms[k]);
      opt.step(c.grads, lr);
      tf.dispose([...Object.values(grads), ...Object.values(c.grads)]);
    });
    assert.equal(opt.stepCount, 3);
    params.forEach((p, i) => assert.ok(maxRelDiff(vars[p.name]!.dataSync(), ref.params[i]) < b.tol.step, `${p.name} on ${b.name}`));
    opt.dispose();
    tf.dispose(Object.values(vars));
    assert.equal(tf.memory().numTensors, n0);
  });
});

describe('AdamW: state and clipping', () => {

  it('state round-trips and bad gradients are rejected', () => {
    const n0 = tf.memory().numTensors;
    const one = tf.ones([2, 2]);
    const a = { x: tf.variable(one) };
    const b = { x: tf.variable(one) };
    one.dispose();
    const oa = new AdamW(a);
    const ob = new AdamW(b);
    const g = { x: tf.tensor2d([[1, -2], [3, 0.5]]) };
    oa.step(g, 0.1);
    ob.loadState(oa.state());
    b.x.assign(a.x);
    oa.step(g, 0.1);
    ob.step(g, 0.1);
    assert.deepEqual(Array.from(a.x.dataSync()), Array.from(b.x.dataSync()));
    const bad = tf.zeros([3]);
    assert.throws(() => oa.step({ x: bad }, 0.1), OptimError);
    assert.throws(() => oa.step({ y: bad }, 0.1), /unknown variable 'y'/);
    assert.throws(() => ob.loadState({ step: 1, m: {}, v: {} }), /missing m\['x'\]/);
    tf.dispose([bad, g.x, a.x, b.x]);
    oa.dispose();
    ob.dispose();
    assert.equal(tf.memory().numTensors, n0);
  });

  it('clipping leaves small gradients unchanged', () => {
    const g = { a: tf.tensor1d([0.3, 0.4]) };
    const c = clipByGlobalNorm(g, 1);
    assert.ok(Math.abs(c.norm - 0.5) < 1e-6);
    assert.ok(maxRelDiff(c.grads.a!.dataSync(), [0.3, 0.4]) < 1e-7);
    tf.dispose([g.a, c.grads.a!]);
  });
});

describe('schedules', () => {
  const base = { lr: 1, minLr: 0.1, warmup: 4, totalSteps: 14 };
  it('warmup is linear then cosine/linear reach minLr at the last step; constant stays', () => {
    assert.equal(lrAt(0, { ...base, kind: 'cosine' }), 0.25);
    assert.equal(lrAt(3, { ...base, kind: 'cosine' }), 1);
    assert.equal(lrAt(4, { ...base, kind: 'cosine' }), 1);
    assert.ok(Math.abs(lrAt(13, { ...base, kind: 'cosine' }) - 0.1) < 1e-12);
    assert.ok(Math.abs(lrAt(13, { ...base, kind: 'linear' }) - 0.1) < 1e-12);
    assert.ok(Math.abs(lrAt(7, { ...base, kind: 'linear', totalSteps: 13 }) - (1 - 0.9 * 3 / 8)) < 1e-12);
    // cosine midpoint = (lr + minLr) / 2
    assert.ok(Math.abs(lrAt(8, { ...base, kind: 'cosine', totalSteps: 13 }) - 0.55) < 1e-12);
    assert.equal(lrAt(13, { ...base, kind: 'constant' }), 1);
    assert.equal(lrAt(100, { ...base, kind: 'cosine' }), 0.1 + 0 * 1);
  });
  it('rejects bad options', () => {
    assert.throws(() => lrAt(0, { lr: 0.1, minLr: 1 }), ScheduleError);
    assert.throws(() => lrAt(-1), /step/);
    assert.throws(() => lrAt(0, { warmup: 1.5 }), /warmup/);
    assert.throws(() => lrAt(5, { kind: 'x' as never, warmup: 0 }), /unknown kind/);
  });
});
