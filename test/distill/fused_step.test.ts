import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/backend/index.js';
import { nativeFor } from '../../src/backend/fused_layers.js';
import { microStep, usesFusedLoss, type MicroInputs, type MicroResult } from '../../src/distill/step.js';
import { DEFAULT_COMBINED_LOSS_OPTIONS, type CombinedLossOptions } from '../../src/distill/losses.js';
import { forward } from '../../src/model/forward.js';
import { dropLayers, tinyParams, tinySpec } from './tiny_llama.js';
import { maxRelDiff } from './helpers.js';

const V = 97;
let native = false;

before(async () => {
  await selectBackend('auto', { log: false });
  const z = tf.zeros([1, 1]);
  native = nativeFor(z) !== null;
  z.dispose();
});

/** A two-layer teacher and its one-layer student (tied or untied lm_head) with a projection for each state pair. */
function setup(tied: boolean): Omit<MicroInputs, 'loss'> {
  const tSpec = { ...tinySpec(2, 32, 64, V), tiedEmbeddings: tied };
  const tParams = tinyParams(tSpec, 4);
  const s = dropLayers(tSpec, tParams, [0]);
  const vars: Record<string, tf.Variable> = {};
  for (const [n, t] of Object.entries(s.params)) vars[n] = tf.variable(t, true);
  vars['proj.0'] = tf.variable(tf.mul(tf.eye(32), 0.9), true);
  return {
    forward, teacher: { spec: tSpec, params: tParams }, studentSpec: s.spec, vars, projNames: ['proj.0'],
    states: [{ student: { tap: 'block_out', layer: 0 }, teacher: { tap: 'block_out', layer: 1 } }],
    ids: tf.tensor2d(Array.from({ length: 3 * 9 }, (_, i) => (i * 31 + 5) % V), [3, 9], 'int32'),
  };
}

function compare(a: MicroResult, b: MicroResult, what: string): void {
  for (const k of ['loss', 'kl', 'ce', 'is'] as const) {
    assert.equal(a[k] === null, b[k] === null, `${what}: ${k} presence`);
    if (a[k] !== null) assert.ok(Math.abs((a[k] as number) - (b[k] as number)) <= 1e-5 * Math.max(1, Math.abs(b[k] as number)), `${what}: ${k} ${a[k]} vs ${b[k]}`);
  }
  assert.deepEqual(Object.keys(a.grads).sort(), Object.keys(b.grads).sort(), `${what}: gradient names`);
  for (const [n, g] of Object.entries(a.grads)) {
    const d = maxRelDiff(g.dataSync(), (b.grads[n] as tf.Tensor).dataSync());
    assert.ok(d < 2e-5, `${what}: gradient of ${n} differs by ${d}`);
  }
}

describe('microStep: fused lm_head + loss vs the unfused logits path', () => {
  const losses: [string, Partial<CombinedLossOptions>][] = [
    ['forward KL at τ = 2', { temperature: 2, weights: { kl: 1, ce: 0, is: 0 } }],
    ['KL + CE + cosine states balanced to the KL', { temperature: 1, weights: { kl: 0.8, ce: 0.4, is: 0.5 }, scaleIsToLogits: true }],
    ['CE only', { weights: { kl: 0, ce: 1, is: 0 } }],
    ['states balanced to a zero-weight KL', { temperature: 1.5, weights: { kl: 0, ce: 0, is: 1 }, scaleIsToLogits: true, stateLoss: 'mse' }],
  ];
  for (const tied of [true, false]) {
    for (const [name, l] of losses) {
      it(`${tied ? 'tied' : 'untied'} lm_head, ${name}: same loss parts and gradients, no leaks`, () => {
        const inp = setup(tied);
        const loss = { ...DEFAULT_COMBINED_LOSS_OPTIONS, ...l, weights: { ...DEFAULT_COMBINED_LOSS_OPTIONS.weights, ...l.weights } } as CombinedLossOptions;
        assert.equal(usesFusedLoss({ ...inp, loss }), true);
        assert.equal(usesFusedLoss({ ...inp, loss, fusedLoss: false }), false);
        assert.equal(usesFusedLoss({ ...inp, loss: { ...loss, logitLoss: 'reverse_kl' } }), loss.weights.kl === 0 && !loss.scaleIsToLogits);
        const n0 = tf.memory().numTensors;
        const fused = microStep({ ...inp, loss });
        const plain = microStep({ ...inp, loss, fusedLoss: false });
        compare(fused, plain, `${tied ? 'tied' : 'untied'} ${name}${native ? ' (native kernel)' : ' (tfjs fallback)'}`);
        tf.dispose([...Object.values(fused.grads), ...Object.values(plain.grads)]);
        assert.equal(tf.memory().numTensors, n0, 'tensor leak');
        tf.dispose([...Object.values(inp.vars), ...Object.values(inp.teacher!.params), inp.ids]);
      });
    }
  }
});

describe('microStep with a cached top-k teacher: fused lm_head + loss vs the unfused logits path', () => {
  const losses: [string, Partial<CombinedLossOptions>][] = [
    ['cached KL', { weights: { kl: 1, ce: 0, is: 0 } }],
    ['cached KL + CE', { weights: { kl: 0.7, ce: 0.3, is: 0 } }],
  ];
  for (const tied of [true, false]) {
    for (const [name, l] of losses) {
      it(`${tied ? 'tied' : 'untied'} lm_head, ${name}: same loss parts and gradients, no leaks`, () => {
        const inp = setup(tied);
        const loss = { ...DEFAULT_COMBINED_LOSS_OPTIONS, ...l, weights: { ...DEFAULT_COMBINED_LOSS_OPTIONS.weights, ...l.weights } } as CombinedLossOptions;
        const t = tf.tidy(() => tf.reshape(forward(inp.teacher!.spec, inp.teacher!.params, inp.ids), [27, V])); // [N, V]
        const top = tf.topk(t, 8);
        const cached = { values: top.values as tf.Tensor2D, indices: top.indices as tf.Tensor2D, lse: tf.logSumExp(t, -1) as tf.Tensor1D };
        const cin = { ...inp, teacher: null, states: [], projNames: [], cached };
        delete cin.vars['proj.0'];
        assert.equal(usesFusedLoss({ ...cin, loss }), true);
        assert.equal(usesFusedLoss({ ...cin, loss: { ...loss, logitLoss: 'reverse_kl' } }), true, 'a cache has one KL whatever logitLoss says');
        assert.equal(usesFusedLoss({ ...cin, loss, fusedLoss: false }), false);
        const n0 = tf.memory().numTensors;
        const fused = microStep({ ...cin, loss });
        const plain = microStep({ ...cin, loss, fusedLoss: false });
        compare(fused, plain, `${tied ? 'tied' : 'untied'} ${name}${native ? ' (native kernel)' : ' (tfjs fallback)'}`);
        tf.dispose([...Object.values(fused.grads), ...Object.values(plain.grads)]);
        assert.equal(tf.memory().numTensors, n0, 'tensor leak');
        assert.throws(() => microStep({ ...cin, loss: { ...loss, temperature: 2 } }), /τ = 1 statistics/);
        tf.dispose([...Object.values(inp.vars), ...Object.values(inp.teacher!.params), inp.ids, t, ...Object.values(cached)]);
      });
    }
  }
});
