import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModel } from '../../src/io/checkpoint.js';
import { paramCounts } from '../../src/io/checkpoint.js';
import { magnitudeReport, randomReport } from '../../src/importance/baselines.js';
import { paramCount } from '../../src/prune/count.js';
import { planFromTargets } from '../../src/prune/plan.js';
import { ensureReference, MODELS } from '../prune/reference.js';

test('magnitudeReport: per-unit L2 norms of the owned weight slices; randomReport is seeded', async () => {
  await tf.setBackend('cpu');
  const m = await loadModel(path.join(ensureReference(), 'llama_gqa'), { requireTokenizer: false });
  const before = tf.memory().numTensors;
  const rep = magnitudeReport(m.spec, m.params);
  assert.equal(tf.memory().numTensors, before);
  const get = (n: string): number[][] => m.params[n].arraySync() as number[][];
  const q = get('model.layers.1.self_attn.q_proj.weight'), o = get('model.layers.1.self_attn.o_proj.weight');
  let s = 0;
  for (let d = 16; d < 24; d++) { s += q[d].reduce((a, x) => a + x * x, 0); s += o.reduce((a, row) => a + row[d] * row[d], 0); }
  assert.ok(Math.abs(rep.heads![1][2] - Math.sqrt(s)) < 1e-4);
  const up = get('model.layers.0.mlp.up_proj.weight'), gate = get('model.layers.0.mlp.gate_proj.weight'), down = get('model.layers.0.mlp.down_proj.weight');
  const n5 = Math.sqrt([up[5], gate[5]].flat().reduce((a, x) => a + x * x, 0) + down.reduce((a, r) => a + r[5] * r[5], 0));
  assert.ok(Math.abs(rep.neurons![0][5] - n5) < 1e-4);
  assert.equal(rep.channels!.length, m.spec.hiddenSize);
  planFromTargets(m.spec, rep, { hiddenSize: 40, ffnHiddenSize: 40, numHeads: 4 });
  assert.deepEqual(randomReport(m.spec, 3), randomReport(m.spec, 3));
  assert.notDeepEqual(randomReport(m.spec, 3).channels, randomReport(m.spec, 4).channels);
  tf.dispose(m.params);
});

test('paramCount agrees with io paramCounts and with the tensors of every tiny checkpoint', async () => {
  for (const name of MODELS) {
    const m = await loadModel(path.join(ensureReference(), name), { requireTokenizer: false });
    const held = Object.values(m.params).reduce((a, t) => a + t.size, 0);
    assert.equal(paramCount(m.spec), paramCounts(m.spec).total, name);
    assert.equal(paramCount(m.spec), held, name);
    tf.dispose(m.params);
  }
});
