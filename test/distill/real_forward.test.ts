import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { distill } from '../../src/distill/trainer.js';
import { ensureTrainingKernels } from '../../src/distill/kernels.js';
import { dropLayers, tinyParams, tinySpec } from './tiny_llama.js';
import { maxRelDiff, randn, useCpu } from './helpers.js';

before(useCpu);

const V = 512;
const data = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 300 + (i % 5 === 0 ? 200 : 0));

describe('distill with the real forward (tiny llama, cpu)', () => {
  it('KD with logit + intermediate-state losses (heads / neurons of different widths) lowers the loss and frees tensors', async () => {
    const tSpec = tinySpec(2, 32, 64, V);
    const tParams = tinyParams(tSpec, 3);
    const s = dropLayers(tSpec, tParams, [1]);
    // also narrow the student's MLP: keep the first 32 neurons
    for (const k of ['gate_proj', 'up_proj']) {
      const n = `model.layers.0.mlp.${k}.weight`;
      const t = s.params[n]!;
      s.params[n] = tf.slice(t, [0, 0], [32, 32]);
      t.dispose();
    }
    const dn = 'model.layers.0.mlp.down_proj.weight';
    const d = s.params[dn]!;
    s.params[dn] = tf.slice(d, [0, 0], [32, 32]);
    d.dispose();
    const student = { spec: { ...s.spec, ffnHiddenSize: 32 }, params: s.params };
    const n0 = tf.memory().numTensors;
    const r = await distill({
      teacher: { spec: tSpec, params: tParams }, student, data, steps: 8, batch: 2, seqLen: 16, lr: 3e-3, warmup: 1, seed: 5,
      loss: { weights: { kl: 1, is: 1 }, stateLoss: 'cosine', scaleIsToLogits: true },
      states: [
        { student: { tap: 'mlp_act', layer: 0 }, teacher: { tap: 'mlp_act', layer: 1 } },
        { student: { tap: 'block_out', layer: 0 }, teacher: { tap: 'block_out', layer: 1 } },
        { student: { tap: 'attn_ctx', layer: 0 }, teacher: { tap: 'attn_ctx', layer: 0 } },
      ],
    });
    assert.deepEqual(r.projections.map((p) => p.shape), [[64, 32], [32, 32], [32, 32]]);
    const first = r.rows[0]!;
    const last = r.rows.at(-1)!;
    assert.ok(last.kl! < first.kl!, `kl ${first.kl} -> ${last.kl}`);
    assert.ok(Math.abs(first.is! - first.kl!) < 1e-4 * first.kl!);
    assert.ok(Object.keys(r.params).length === Object.keys(student.params).length);
    tf.dispose([...Object.values(r.params), ...r.projections]);
    assert.equal(tf.memory().numTensors, n0);
    tf.dispose([...Object.values(tParams), ...Object.values(student.params)]);
    assert.equal(V, tSpec.vocabSize);
  });

  it('the JS UnsortedSegmentSum registered for wasm gives the same gather gradient as cpu', async () => {
    const x = randn(5 * 3, 1);
    const idx = [4, 0, 4, 2, 4, 1];
    const dy = randn(6 * 3, 2);
    const grad = (): number[] => tf.tidy(() => Array.from(tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, tf.tensor1d(idx, 'int32')), tf.tensor(dy, [6, 3]))))(tf.tensor(x, [5, 3])).dataSync()));
    const onCpu = grad();
    await tf.setBackend('wasm');
    ensureTrainingKernels();
    ensureTrainingKernels(); // idempotent
    const onWasm = grad();
    await tf.setBackend('cpu');
    assert.ok(maxRelDiff(onWasm, onCpu) < 1e-6);
  });
});
