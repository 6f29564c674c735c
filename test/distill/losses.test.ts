import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  combinedLoss, crossEntropy, DistillLossError, forwardKl, logitLoss, reverseKl, stateLoss, stopGradient, topKKl,
} from '../../src/distill/losses.js';
import { maxRelDiff, numericGrad, randn, runPython, useCpu } from './helpers.js';
import { describeEachBackend } from '../backends.js';

const N = 6;
const V = 11;
const TAU = 2;
const K = 4;
const teacher = randn(N * V, 1, 3);
const student = randn(N * V, 2, 3);
const targets = Array.from({ length: N }, (_, i) => (i * 7) % V);
const DS = 3;
const DT = 5;
const sState = randn(N * DS, 3);
const tState = randn(N * DT, 4);
const proj = randn(DT * DS, 5, 0.5);

let ref: any;

before(async () => {
  await useCpu();
  ref = runPython('test/distill_reference.py', {
    shape: [N, V], tau: TAU, topk: K, teacher, student, targets,
    state: { student: sState, teacher: tState, proj, sshape: [N, DS], tshape: [N, DT], pshape: [DT, DS] },
  });
});

function valueAndGrad(f: (s: tf.Tensor) => tf.Scalar, x: number[], shape: number[]): { loss: number; grad: number[] } {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor(x, shape));
    return { loss: value.dataSync()[0] as number, grad: Array.from(grad.dataSync()) };
  });
}

// Finite differences in float32 hold to 3e-3 on every backend (a property of the step, not of the kernels).
describeEachBackend('logit losses vs PyTorch', (b) => {
  const cases: [string, (t: tf.Tensor, s: tf.Tensor) => tf.Scalar][] = [
    ['forward_kl', (t, s) => forwardKl(t, s, { temperature: TAU })],
    ['reverse_kl', (t, s) => reverseKl(t, s, { temperature: TAU })],
    ['topk_kl', (t, s) => topKKl(t, s, { temperature: TAU, topK: K })],
  ];
  for (const [name, fn] of cases) {
    b.test(`${name}: value and gradient match torch; gradient matches finite differences`, () => {
      const n0 = tf.memory().numTensors;
      const tt = tf.tensor(teacher, [N, V]);
      const f = (s: tf.Tensor): tf.Scalar => fn(tt, s);
      const { loss, grad } = valueAndGrad(f, student, [N, V]);
      assert.ok(Math.abs(loss - ref[name].loss) < b.tol.loss * Math.max(1, Math.abs(ref[name].loss)), `${name} ${loss} vs ${ref[name].loss}`);
      assert.ok(maxRelDiff(grad, ref[name].grad) < b.tol.lossGrad, `${name} grad`);
      const num = numericGrad(f, student, [N, V]);
      assert.ok(maxRelDiff(grad, num) < 3e-3, `${name} numeric grad diff ${maxRelDiff(grad, num)}`);
      tt.dispose();
      assert.equal(tf.memory().numTensors, n0);
    });
  }

  b.test('cross-entropy matches torch and finite differences', () => {
    const n0 = tf.memory().numTensors;
    const tg = tf.tensor1d(targets, 'int32');
    const f = (s: tf.Tensor): tf.Scalar => crossEntropy(s, tg);
    const { loss, grad } = valueAndGrad(f, student, [N, V]);
    assert.ok(Math.abs(loss - ref.ce.loss) < b.tol.loss * Math.max(1, ref.ce.loss));
    assert.ok(maxRelDiff(grad, ref.ce.grad) < b.tol.lossGrad);
    assert.ok(maxRelDiff(grad, numericGrad(f, student, [N, V])) < 3e-3);
    tg.dispose();
    assert.equal(tf.memory().numTensors, n0);
  });
});

describe('logit losses: properties and errors', () => {
  it('KL is zero for identical logits, top-k with k = V equals forward KL, rank-3 input works', () => {
    tf.tidy(() => {
      const t = tf.tensor(teacher, [2, 3, V]);
      const s = tf.tensor(student, [2, 3, V]);
      assert.ok(Math.abs(forwardKl(t, t).dataSync()[0] as number) < 1e-6);
      assert.ok(Math.abs(reverseKl(s, s).dataSync()[0] as number) < 1e-6);
      const a = forwardKl(t, s, { temperature: 1.5 }).dataSync()[0] as number;
      const b = topKKl(t, s, { temperature: 1.5, topK: V }).dataSync()[0] as number;
      assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
      assert.ok(Math.abs((logitLoss('forward_kl', t, s).dataSync()[0] as number) - (forwardKl(t, s).dataSync()[0] as number)) < 1e-7);
    });
  });

  it('rejects bad inputs with typed errors', () => {
    const n0 = tf.memory().numTensors;
    const a = tf.zeros([2, 5]);
    const b = tf.zeros([2, 6]);
    assert.throws(() => forwardKl(a, b), DistillLossError);
    assert.throws(() => forwardKl(a, a, { temperature: 0 }), /temperature/);
    assert.throws(() => topKKl(a, a, { topK: 6 }), /topK/);
    const fl = tf.tensor1d([1, 2]);
    assert.throws(() => crossEntropy(a, fl), /int32/);
    fl.dispose();
    assert.throws(() => logitLoss('nope' as never, a, a), /unknown logit loss/);
    a.dispose();
    b.dispose();
    assert.equal(tf.memory().numTensors, n0);
  });
});

describeEachBackend('intermediate-state losses vs PyTorch', (b) => {
  for (const kind of ['cosine', 'mse'] as const) {
    b.test(`${kind}: value and gradients (state and projection) match torch and finite differences`, () => {
      const n0 = tf.memory().numTensors;
      const tt = tf.tensor(tState, [N, DT]);
      const pp = tf.tensor(proj, [DT, DS]);
      const ss = tf.tensor(sState, [N, DS]);
      const fS = (s: tf.Tensor): tf.Scalar => stateLoss(s, tt, pp, kind);
      const fP = (p: tf.Tensor): tf.Scalar => stateLoss(ss, tt, p, kind);
      const { loss, grad } = valueAndGrad(fS, sState, [N, DS]);
      const r = ref[`state_${kind}`];
      assert.ok(Math.abs(loss - r.loss) < b.tol.loss * Math.max(1, Math.abs(r.loss)), `${loss} vs ${r.loss}`);
      assert.ok(maxRelDiff(grad, r.grad) < b.tol.lossGrad);
      const gp = valueAndGrad(fP, proj, [DT, DS]).grad;
      assert.ok(maxRelDiff(gp, r.grad_proj) < b.tol.lossGrad);
      assert.ok(maxRelDiff(grad, numericGrad(fS, sState, [N, DS])) < 3e-3);
      assert.ok(maxRelDiff(gp, numericGrad(fP, proj, [DT, DS])) < 3e-3);
      tf.dispose([tt, pp, ss]);
      assert.equal(tf.memory().numTensors, n0);
    });
  }
});

describe('intermediate-state losses: errors', () => {
  it('rejects wrong projection shapes and missing projection for different widths', () => {
    tf.tidy(() => {
      assert.throws(() => stateLoss(tf.zeros([4, 3]), tf.zeros([4, 5]), null), /no projection/);
      assert.throws(() => stateLoss(tf.zeros([4, 3]), tf.zeros([4, 5]), tf.zeros([3, 5])), /\[5, 3\]/);
      assert.throws(() => stateLoss(tf.zeros([4, 3]), tf.zeros([2, 5]), tf.zeros([5, 3])), /same positions/);
    });
  });
});

describe('combinedLoss', () => {
  it('weights the parts, balances L_is to the logit loss with a constant factor', () => {
    const n0 = tf.memory().numTensors;
    tf.tidy(() => {
      const tl = tf.tensor(teacher, [1, N, V]);
      const sl = tf.tensor(student, [1, N, V]);
      const tg = tf.tensor2d([targets.slice(0, N - 1)], [1, N - 1], 'int32');
      const states = [{ student: tf.tensor(sState, [1, N, DS]), teacher: tf.tensor(tState, [1, N, DT]), proj: tf.tensor(proj, [DT, DS]) }];
      const r = combinedLoss({ studentLogits: sl, teacherLogits: tl, targets: tg, states }, { weights: { ce: 0.5, kl: 2, is: 3 } });
      const kl = forwardKl(tl, sl).dataSync()[0] as number;
      const is = stateLoss(states[0]!.student, states[0]!.teacher, states[0]!.proj).dataSync()[0] as number;
      const ce = r.ce!.dataSync()[0] as number;
      assert.ok(Math.abs((r.total.dataSync()[0] as number) - (0.5 * ce + 2 * kl + 3 * is)) < 1e-4);
      const b = combinedLoss({ studentLogits: sl, teacherLogits: tl, targets: null, states }, { weights: { ce: 0, kl: 1, is: 1 }, scaleIsToLogits: true });
      assert.ok(Math.abs((b.is!.dataSync()[0] as number) - kl) < 1e-5, 'balanced L_is equals the logit loss');
      // the balancing factor is a constant: d(ratio * L_is)/dproj = ratio * dL_is/dproj
      const g = tf.grad((p: tf.Tensor) => combinedLoss({ studentLogits: sl, teacherLogits: tl, targets: null, states: [{ ...states[0]!, proj: p }] },
        { weights: { ce: 0, kl: 0, is: 1 }, scaleIsToLogits: true }).total)(states[0]!.proj);
      const g0 = tf.grad((p: tf.Tensor) => stateLoss(states[0]!.student, states[0]!.teacher, p))(states[0]!.proj);
      assert.ok(maxRelDiff(g.dataSync(), tf.mul(g0, kl / is).dataSync()) < 1e-4);
      assert.throws(() => combinedLoss({ studentLogits: sl, teacherLogits: null, targets: null, states: [] }), /teacherLogits/);
      assert.throws(() => combinedLoss({ studentLogits: sl, teacherLogits: tl, targets: null, states: [] }, { weights: { ce: 0, kl: 0, is: 0 } }), /all loss weights/);
      const s = stopGradient(tf.scalar(3));
      assert.equal(s.dataSync()[0], 3);
    });
    assert.equal(tf.memory().numTensors, n0);
  });
});
