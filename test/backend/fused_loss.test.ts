import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addon, skipNative, rand, assertClose } from './helpers.js';
import { installNativeKernels } from '../../src/backend/native_kernels.js';
import { FusedOpError } from '../../src/backend/fused_ops.js';
import { nativeFor } from '../../src/backend/fused_layers.js';
import { linearDistillLoss, linearDistillLossReference, type LinearLossOptions, type LinearLossTeacher } from '../../src/backend/fused_loss.js';
import { randn, runPython } from '../distill/helpers.js';

type LossFn = typeof linearDistillLoss;
interface Out { kl: number | null; ce: number | null; total: number; dh: Float32Array; dw: Float32Array }

/** Targets with every third row ignored (-1), like the last position of each sequence. */
function targetsFor(N: number, V: number): tf.Tensor1D {
  return tf.tensor1d(Array.from({ length: N }, (_, i) => (i % 3 === 2 ? -1 : (i * 7 + 3) % V)), 'int32');
}

/** The teacher of a test case, made inside the tidy of lossAndGrads: N rows over a vocabulary of V. */
type TeacherOf = ((N: number, V: number) => LinearLossTeacher) | null;

/** Live teacher logits [N, V] (seed 13, scale 5). */
const liveTeacher: TeacherOf = (N, V) => ({ kind: 'logits', logits: tf.mul(rand([N, V], 13), 5) });

/** Loss parts and the gradients of h and w (tf.grads) for one configuration of inputs. */
function lossAndGrads(fn: LossFn, N: number, D: number, V: number, teacherOf: TeacherOf, useTargets: boolean, o: Partial<LinearLossOptions>, hScale = 2): Out {
  let out: Out | null = null;
  tf.tidy(() => {
    const h = tf.mul(rand([N, D], 11), hScale), w = rand([V, D], 12); // [N, D], [V, D]
    const teacher = teacherOf ? teacherOf(N, V) : null;
    const tg = useTargets ? targetsFor(N, V) : null;
    let kl: number | null = null, ce: number | null = null, total = 0;
    const [dh, dw] = tf.grads((hi: tf.Tensor, wi: tf.Tensor) => {
      const r = fn(hi, wi, teacher, tg, o);
      kl = r.kl ? r.kl.dataSync()[0] : null;
      ce = r.ce ? r.ce.dataSync()[0] : null;
      total = r.total.dataSync()[0];
      return r.total;
    })([h, w]);
    out = { kl, ce, total, dh: Float32Array.from(dh.dataSync()), dw: Float32Array.from(dw.dataSync()) };
  });
  return out!;
}

function near(a: number | null, b: number | null, what: string, tol = 1e-5): void {
  assert.equal(a === null, b === null, `${what}: presence`);
  if (a !== null && b !== null) assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

describe('linearDistillLoss (native) vs the unfused tfjs path', { skip: skipNative }, () => {
  before(() => {
    installNativeKernels(addon!);
    const z = tf.zeros([2, 2]);
    assert.ok(nativeFor(z) !== null, 'the native path must be the one under test');
    z.dispose();
  });

  const configs: [string, Partial<LinearLossOptions>][] = [
    ['whole vocabulary per tile', {}],
    ['row blocks and vocabulary chunks with remainders', { rowBlock: 5, vocabChunk: 10 }],
    ['one row per block, one-token chunks', { rowBlock: 1, vocabChunk: 1 }],
  ];
  for (const tau of [1, 2.5]) {
    for (const [name, tiles] of configs) {
      it(`KL + CE, τ = ${tau}, ${name}: values and gradients of h and w`, () => {
        const o = { temperature: tau, klWeight: 0.7, ceWeight: 0.3, ...tiles };
        const before = tf.memory().numTensors;
        const nat = lossAndGrads(linearDistillLoss, 13, 8, 37, liveTeacher, true, o);
        const ref = lossAndGrads(linearDistillLossReference, 13, 8, 37, liveTeacher, true, o);
        assert.equal(tf.memory().numTensors, before, 'tensor leak');
        near(nat.kl, ref.kl, 'kl'); near(nat.ce, ref.ce, 'ce'); near(nat.total, ref.total, 'total');
        assertClose(nat.dh, ref.dh, 1e-4, 1e-6, 'dh');
        assertClose(nat.dw, ref.dw, 1e-4, 1e-6, 'dw');
      });
    }
  }

  const partial = [['KL only', true, false, 1.5, 0.5], ['CE only', false, true, 1.5, 0.5], ['KL at weight 0 (value only)', true, false, 0, 0.5]] as const;
  for (const [what, t, c, klWeight, ceWeight] of partial) {
    it(`${what}: the absent part is null and the gradients match`, () => {
      const o = { temperature: 2, klWeight, ceWeight, rowBlock: 4, vocabChunk: 16 };
      const nat = lossAndGrads(linearDistillLoss, 9, 6, 50, t ? liveTeacher : null, c, o);
      const ref = lossAndGrads(linearDistillLossReference, 9, 6, 50, t ? liveTeacher : null, c, o);
      near(nat.kl, ref.kl, 'kl'); near(nat.ce, ref.ce, 'ce'); near(nat.total, ref.total, 'total');
      assertClose(nat.dh, ref.dh, 1e-4, 1e-6, 'dh');
      assertClose(nat.dw, ref.dw, 1e-4, 1e-6, 'dw');
    });
  }

  it('is zero KL for a teacher equal to the student, accepts rank-3 inputs, and without a tape makes no gradients', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const h = rand([2, 3, 8], 1), w = rand([21, 8], 2); // [B, T, D], [V, D]
      const same = tf.reshape(tf.matMul(tf.reshape(h, [6, 8]), w, false, true), [2, 3, 21]); // [B, T, V]
      const r = linearDistillLoss(h, w, { kind: 'logits', logits: same }, null, { temperature: 1.5 });
      assert.ok(Math.abs(r.kl!.dataSync()[0]) < 1e-5, `kl ${r.kl!.dataSync()[0]}`);
      const s = rand([2, 3, 21], 3);
      const a = linearDistillLoss(h, w, { kind: 'logits', logits: s }, tf.tensor2d([[1, 2, -1], [3, 4, -1]], [2, 3], 'int32'), { ceWeight: 1 });
      const b = linearDistillLossReference(h, w, { kind: 'logits', logits: s }, tf.tensor2d([[1, 2, -1], [3, 4, -1]], [2, 3], 'int32'), { ceWeight: 1 });
      near(a.total.dataSync()[0], b.total.dataSync()[0], 'rank-3 total');
    });
    assert.equal(tf.memory().numTensors, before, 'tensor leak');
  });

  it('rejects bad shapes, dtypes and options with FusedOpError', () => {
    tf.tidy(() => {
      const h = tf.zeros([4, 3]), w = tf.zeros([7, 3]);
      assert.throws(() => linearDistillLoss(h, tf.zeros([7, 2]), null, tf.zeros([4], 'int32')), (e: Error) => e instanceof FusedOpError && /lm_head \[7,2\]/.test(e.message));
      assert.throws(() => linearDistillLoss(h, w, { kind: 'logits', logits: tf.zeros([4, 6]) }, null), (e: Error) => e instanceof FusedOpError && /teacher logits \[4,6\]/.test(e.message));
      assert.throws(() => linearDistillLoss(h, w, null, tf.zeros([4])), (e: Error) => e instanceof FusedOpError && /int32/.test(e.message));
      assert.throws(() => linearDistillLoss(h, w, null, null), FusedOpError);
      assert.throws(() => linearDistillLoss(h, w, null, tf.zeros([4], 'int32'), { temperature: 0 }), FusedOpError);
    });
  });
});

describe('linearDistillLoss vs PyTorch (float64 autograd), tied and untied lm_head', { skip: skipNative }, () => {
  const N = 10, D = 6, V = 29, TAU = 2;
  const embed = randn(V * D, 21, 0.7), proj = randn(D * D, 22, 0.5), head = randn(V * D, 23, 0.7), teacher = randn(N * V, 24, 3);
  const ids = Array.from({ length: N }, (_, i) => (i * 5 + 1) % V);
  const targets = Array.from({ length: N }, (_, i) => (i % 4 === 3 ? -1 : (i * 11 + 2) % V));

  for (const tied of [true, false]) {
    it(`${tied ? 'tied embeddings (lm_head = embed_tokens)' : 'separate lm_head'}: loss parts and gradients of embed, projection${tied ? '' : ', lm_head'}`, () => {
      installNativeKernels(addon!);
      const ref = runPython('test/backend/fused_loss_reference.py', { n: N, d: D, v: V, tau: TAU, klW: 0.6, ceW: 0.4, tied, embed, proj, head, teacher, ids, targets });
      for (const fn of [linearDistillLoss, linearDistillLossReference]) {
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => {
          const E = tf.tensor2d(embed, [V, D]), P = tf.tensor2d(proj, [D, D]), W = tf.tensor2d(head, [V, D]);
          const t = { kind: 'logits' as const, logits: tf.tensor2d(teacher, [N, V]) }, tg = tf.tensor1d(targets, 'int32');
          let parts = [0, 0];
          const grads = tf.grads((e: tf.Tensor, p: tf.Tensor, w?: tf.Tensor) => {
            const h = tf.matMul(tf.gather(e, tf.tensor1d(ids, 'int32')), p, false, true); // [N, D]
            const r = fn(h, w ?? e, t, tg, { temperature: TAU, klWeight: 0.6, ceWeight: 0.4, rowBlock: 3, vocabChunk: 8 });
            parts = [r.kl!.dataSync()[0], r.ce!.dataSync()[0]];
            return r.total;
          })(tied ? [E, P] : [E, P, W]);
          return { parts, g: grads.map((x) => Array.from(x.dataSync())) };
        });
        assert.equal(tf.memory().numTensors, before, 'tensor leak');
        near(got.parts[0], ref.kl, 'kl');
        near(got.parts[1], ref.ce, 'ce');
        assertClose(Float32Array.from(got.g[0]), Float32Array.from(ref.gEmbed), 1e-4, 1e-6, 'd embed');
        assertClose(Float32Array.from(got.g[1]), Float32Array.from(ref.gProj), 1e-4, 1e-6, 'd proj');
        if (!tied) assertClose(Float32Array.from(got.g[2]), Float32Array.from(ref.gHead), 1e-4, 1e-6, 'd lm_head');
      }
    });
  }
});

/** A cached top-k teacher of random logits [N, V]: its k largest logits, their ids and the full log-sum-exp (τ = 1). */
function topKTeacher(N: number, V: number, k: number, seed: number, scale = 5): Extract<LinearLossTeacher, { kind: 'topk' }> {
  const t = tf.mul(rand([N, V], seed), scale); // [N, V]
  const { values, indices } = tf.topk(t, k); // [N, K]
  return { kind: 'topk', values: values as tf.Tensor2D, indices: indices as tf.Tensor2D, lse: tf.logSumExp(t, -1) as tf.Tensor1D };
}

describe('linearDistillLoss against a cached top-k teacher (native) vs the unfused tfjs path', { skip: skipNative }, () => {
  before(() => installNativeKernels(addon!));
  const cases: [string, number, boolean, Partial<LinearLossOptions>][] = [
    ['k = 8, KL only, whole vocabulary per tile', 8, false, { klWeight: 1 }],
    ['k = 8, KL + CE, row blocks and vocabulary chunks with remainders', 8, true, { klWeight: 0.7, ceWeight: 0.3, rowBlock: 5, vocabChunk: 10 }],
    ['k = 1, one-token chunks', 1, true, { klWeight: 1, ceWeight: 0.5, rowBlock: 1, vocabChunk: 1 }],
    ['k = V (the exact forward KL)', 37, false, { klWeight: 1, rowBlock: 4 }],
  ];
  for (const [name, k, ce, o] of cases) {
    it(`${name}: values and gradients of h and w`, () => {
      const before = tf.memory().numTensors;
      const nat = lossAndGrads(linearDistillLoss, 13, 8, 37, (N, V) => topKTeacher(N, V, k, 13), ce, o);
      const ref = lossAndGrads(linearDistillLossReference, 13, 8, 37, (N, V) => topKTeacher(N, V, k, 13), ce, o);
      assert.equal(tf.memory().numTensors, before, 'tensor leak');
      near(nat.kl, ref.kl, 'kl'); near(nat.ce, ref.ce, 'ce'); near(nat.total, ref.total, 'total');
      assertClose(nat.dh, ref.dh, 1e-4, 1e-6, 'dh');
      assertClose(nat.dw, ref.dw, 1e-4, 1e-6, 'dw');
    });
  }

  it('k = V equals the KL against the live logits; a student holding all its mass in the top k (rest clamped) still matches', () => {
    tf.tidy(() => {
      const h = rand([6, 8], 1), w = rand([21, 8], 2), t = tf.mul(rand([6, 21], 3), 4); // [N, D], [V, D], [N, V]
      const { values, indices } = tf.topk(t, 21);
      const cached = linearDistillLoss(h, w, { kind: 'topk', values: values as tf.Tensor2D, indices: indices as tf.Tensor2D, lse: tf.logSumExp(t, -1) as tf.Tensor1D }, null);
      const live = linearDistillLoss(h, w, { kind: 'logits', logits: t }, null);
      near(cached.kl!.dataSync()[0], live.kl!.dataSync()[0], 'k = V vs live', 1e-4);
    });
    const nat = lossAndGrads(linearDistillLoss, 7, 8, 30, (N, V) => topKTeacher(N, V, 29, 13), true, { klWeight: 1, ceWeight: 0.2 }, 40);
    const ref = lossAndGrads(linearDistillLossReference, 7, 8, 30, (N, V) => topKTeacher(N, V, 29, 13), true, { klWeight: 1, ceWeight: 0.2 }, 40);
    near(nat.kl, ref.kl, 'kl', 1e-4); near(nat.total, ref.total, 'total', 1e-4);
    assertClose(nat.dh, ref.dh, 1e-3, 1e-5, 'dh');
  });

  it('rejects a top-k teacher of the wrong shape, dtype or temperature with FusedOpError', () => {
    tf.tidy(() => {
      const h = tf.zeros([4, 3]), w = tf.zeros([7, 3]);
      const good = { kind: 'topk' as const, values: tf.zeros([4, 2]) as tf.Tensor2D, indices: tf.zeros([4, 2], 'int32') as tf.Tensor2D, lse: tf.zeros([4]) as tf.Tensor1D };
      assert.throws(() => linearDistillLoss(h, w, { ...good, values: tf.zeros([3, 2]) as tf.Tensor2D }, null), (e: Error) => e instanceof FusedOpError && /values \[3,2\]/.test(e.message));
      assert.throws(() => linearDistillLoss(h, w, { ...good, indices: tf.zeros([4, 2]) as tf.Tensor2D }, null), (e: Error) => e instanceof FusedOpError && /indices float32/.test(e.message));
      assert.throws(() => linearDistillLoss(h, w, { ...good, lse: tf.zeros([5]) as tf.Tensor1D }, null), (e: Error) => e instanceof FusedOpError && /lse \[5\]/.test(e.message));
      assert.throws(() => linearDistillLoss(h, w, good, null, { temperature: 2 }), (e: Error) => e instanceof FusedOpError && /τ = 1/.test(e.message));
      assert.throws(() => linearDistillLoss(h, w, { ...good, indices: tf.fill([4, 2], 9, 'int32') as tf.Tensor2D }, null), /outside \[0, V\)/);
    });
  });
});

describe('linearDistillLoss against a cached top-k teacher vs PyTorch (float64 autograd of the bucket KL)', { skip: skipNative }, () => {
  const N = 10, D = 6, V = 29, K = 5;
  const embed = randn(V * D, 31, 0.7), proj = randn(D * D, 32, 0.5), teacher = randn(N * V, 34, 3);
  const ids = Array.from({ length: N }, (_, i) => (i * 5 + 1) % V);
  const targets = Array.from({ length: N }, (_, i) => (i % 4 === 3 ? -1 : (i * 11 + 2) % V));
  it('tied embeddings: KL, CE and the gradients of embed and projection, native and unfused', () => {
    installNativeKernels(addon!);
    const ref = runPython('test/backend/fused_loss_reference.py', { n: N, d: D, v: V, tau: 1, klW: 0.8, ceW: 0.2, tied: true, embed, proj, head: [], teacher, ids, targets, topK: K });
    for (const fn of [linearDistillLoss, linearDistillLossReference]) {
      const got = tf.tidy(() => {
        const E = tf.tensor2d(embed, [V, D]), P = tf.tensor2d(proj, [D, D]);
        const t = { kind: 'topk' as const, values: tf.tensor2d(ref.values, [N, K]), indices: tf.tensor2d(ref.ids, [N, K], 'int32'), lse: tf.tensor1d(ref.lse) };
        let parts = [0, 0];
        const grads = tf.grads((e: tf.Tensor, p: tf.Tensor) => {
          const h = tf.matMul(tf.gather(e, tf.tensor1d(ids, 'int32')), p, false, true); // [N, D]
          const r = fn(h, e, t, tf.tensor1d(targets, 'int32'), { klWeight: 0.8, ceWeight: 0.2, rowBlock: 3, vocabChunk: 8 });
          parts = [r.kl!.dataSync()[0], r.ce!.dataSync()[0]];
          return r.total;
        })([E, P]);
        return { parts, g: grads.map((x) => Float32Array.from(x.dataSync())) };
      });
      near(got.parts[0], ref.kl, 'kl');
      near(got.parts[1], ref.ce, 'ce');
      assertClose(got.g[0], Float32Array.from(ref.gEmbed), 1e-4, 1e-6, 'd embed');
      assertClose(got.g[1], Float32Array.from(ref.gProj), 1e-4, 1e-6, 'd proj');
    }
  });
});
