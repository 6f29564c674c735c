/**
 * Search stage 2: candidates retrained briefly by distillation and re-ranked by perplexity.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/backend/index.js';
import { magnitudeReport } from '../../src/importance/baselines.js';
import { enumerateCandidates } from '../../src/prune/search.js';
import { rescoreWithDistillation } from '../../src/distill/search_kd.js';
import { meanLoss } from '../../src/importance/loss.js';
import { planForCandidate } from '../../src/prune/search.js';
import { slicePlan } from '../../src/prune/slice.js';
import { tinyParams, tinySpec } from './tiny_llama.js';
import { InterruptedError } from '../../src/host/stop.js';

before(async () => { await selectBackend(); });

test('rescoreWithDistillation retrains each candidate, ranks by post-distillation PPL, leaks nothing', async () => {
  const spec = { ...tinySpec(4, 64, 128, 97), maxPositions: 64 };
  const params = tinyParams(spec, 3);
  const teacher = { spec, params };
  const report = magnitudeReport(spec, params);
  const cands = enumerateCandidates(spec, Infinity, { hiddenMultiple: 16, ffnMultiple: 32, loadableOnly: false }).slice(1, 4);
  let s = 7;
  const ids = Array.from({ length: 4000 }, () => (s = (s * 48271) % 2147483647) % 97);
  const evalBatches = [[ids.slice(0, 32), ids.slice(32, 64)]];
  const before = tf.memory().numTensors;
  const ranked = await rescoreWithDistillation(teacher, report, cands, evalBatches, ids, { steps: 3, batch: 2, seqLen: 32, lr: 1e-3, top: 3 });
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
  assert.equal(ranked.length, 3);
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].kdPpl <= ranked[i].kdPpl);
  // Distillation moved each candidate: its PPL differs from the pruned-only PPL.
  for (const c of ranked) {
    const small = slicePlan(spec, params, planForCandidate(spec, report, c));
    const pruned = Math.exp(meanLoss(small.spec, small.params, evalBatches));
    tf.dispose(Object.values(small.params));
    assert.ok(Number.isFinite(c.kdPpl) && Math.abs(c.kdPpl - pruned) > 1e-6, `${c.kdPpl} vs ${pruned}`);
  }
  tf.dispose(Object.values(params));
});

test('rescoreWithDistillation stops on its signal (InterruptedError) and leaks nothing', async () => {
  const spec = { ...tinySpec(2, 32, 64, 61), maxPositions: 32 };
  const params = tinyParams(spec, 5);
  const report = magnitudeReport(spec, params);
  const cands = enumerateCandidates(spec, Infinity, { hiddenMultiple: 8, ffnMultiple: 16, loadableOnly: false }).slice(1, 3);
  assert.equal(cands.length, 2);
  const ids = Array.from({ length: 1000 }, (_, i) => (i * 7) % 61);
  const ctl = new AbortController();
  const before = tf.memory().numTensors;
  let done = 0;
  await assert.rejects(rescoreWithDistillation({ spec, params }, report, cands, [[ids.slice(0, 16)]], ids,
    { steps: 2, batch: 1, seqLen: 16, top: 2, signal: ctl.signal, onProgress: (n) => { done = n; ctl.abort(); } }), InterruptedError);
  assert.equal(done, 1);
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
  tf.dispose(Object.values(params));
});
