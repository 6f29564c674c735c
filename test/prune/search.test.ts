import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { enumerateCandidates, searchArchitectures } from '../../src/prune/search.js';
import { paramCount } from '../../src/prune/count.js';
import { transformersIssue } from '../../src/prune/compat.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { meanLoss } from '../../src/importance/loss.js';
import { planFromTargets } from '../../src/prune/plan.js';
import { disposeParams, slicePlan } from '../../src/prune/slice.js';
import { fakeReport, tinySpec } from './helpers.js';
import { ensureReference } from './reference.js';

const SMOL = tinySpec({ hiddenSize: 576, numLayers: 30, numHeads: 9, numKvHeads: 3, headDim: 64, ffnHiddenSize: 1536, vocabSize: 49152 });

test('enumerateCandidates respects the grid, the limits, the budget and transformers loadability', () => {
  assert.equal(paramCount(SMOL), 134515008);
  const all = enumerateCandidates(SMOL, Infinity, { loadableOnly: false });
  // hidden 576..384 (×64: 4), ffn 1536..960 (×64: 10), heads 9/6 (KV 3), layers 30..24 (×2: 4)
  assert.equal(all.length, 4 * 10 * 2 * 4);
  assert.ok(all.every((c) => c.target.hiddenSize >= 0.6 * 576 && c.target.numLayers >= 24 && c.target.numHeads % 3 === 0));
  const loadable = enumerateCandidates(SMOL, 100e6);
  assert.ok(loadable.length > 0 && loadable.every((c) => c.params <= 100e6 && transformersIssue({ ...SMOL, ...c.target }) === null));
  assert.ok(loadable.every((c, i) => i === 0 || loadable[i - 1].params >= c.params), 'largest first');
  const paper = enumerateCandidates(SMOL, Infinity, { hiddenMultiple: 256, ffnMultiple: 512, loadableOnly: false });
  assert.deepEqual([...new Set(paper.map((c) => c.target.hiddenSize))], [576, 512]);
  assert.deepEqual(enumerateCandidates(SMOL, 1e6), []);
});

test('searchArchitectures ranks by the PPL of the actually sliced model', async () => {
  await tf.setBackend('cpu');
  const dir = path.join(ensureReference(), 'llama_gqa');
  const model = await loadModel(dir, { requireTokenizer: false });
  const batches = JSON.parse(fs.readFileSync(path.join(dir, 'calib.json'), 'utf8')) as number[][][];
  const report = fakeReport(model.spec, 5);
  const before = tf.memory().numTensors;
  const ranked = searchArchitectures(model, report, 65000, batches, { hiddenMultiple: 8, ffnMultiple: 16, layerMultiple: 1, maxDepthPrune: 0.3, topK: 4 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(ranked.length, 4);
  assert.ok(ranked.every((c, i) => i === 0 || ranked[i - 1].ppl! <= c.ppl!));
  const best = ranked[0];
  const small = slicePlan(model.spec, model.params, planFromTargets(model.spec, report, best.target));
  assert.ok(Math.abs(Math.exp(meanLoss(small.spec, small.params, batches)) - best.ppl!) < 1e-6 * best.ppl!);
  disposeParams(small.params);
  tf.dispose(model.params);
});
