/**
 * The plan core's shape-derived parameter counts against real tensors: the transformers-made fixture checkpoints
 * (safetensors headers) and the tensors slicePlan() produces, for every family, axis and combination.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModel, readConfig } from '../../src/io/checkpoint.js';
import { readHeader } from '../../src/io/safetensors.js';
import { planFromTargets } from '../../src/prune/plan.js';
import { disposeParams, slicePlan } from '../../src/prune/slice.js';
import { expectedShapes, formatCount, paramCount, paramCounts, parseCount, plannedSpec } from '../../src/plan_core/index.js';
import { noLeaks } from '../helpers.js';
import { fakeReport } from '../prune/helpers.js';
import { axisCases, FIXTURES, GEN } from './cases.js';

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Number of elements stored in a checkpoint folder's model safetensors files (single or sharded). */
function storedNumel(dir: string): number {
  const files = fs.readdirSync(dir).filter((f) => /^model.*\.safetensors$/.test(f));
  assert.ok(files.length > 0, `${dir}: no model safetensors`);
  let n = 0;
  for (const f of files) for (const t of readHeader(path.join(dir, f)).tensors.values()) n += numel(t.shape);
  return n;
}

const present = FIXTURES.filter((f) => fs.existsSync(path.join(GEN, f, 'config.json')));

test('paramCount == numel of the tensors transformers saved, for every fixture checkpoint', { skip: present.length === 0 && 'fixtures not generated' }, () => {
  for (const name of present) {
    const { spec } = readConfig(path.join(GEN, name));
    const shapes = expectedShapes(spec);
    assert.equal(paramCount(spec), [...shapes.values()].reduce((a, s) => a + numel(s), 0), name);
    assert.equal(paramCount(spec), storedNumel(path.join(GEN, name)), name);
    const c = paramCounts(spec);
    assert.equal(c.embeddings + c.attention + c.mlp + c.norms + c.lmHead, c.total, name);
    assert.equal(c.lmHead === 0, spec.tiedEmbeddings, `${name}: lm_head counted only when untied`);
  }
});

for (const name of present.filter((n) => n !== 'llama_sharded')) {
  test(`${name}: paramCount(plannedSpec(plan)) == numel of slicePlan() tensors, shapes == expectedShapes, every axis`, async () => {
    await tf.setBackend('cpu');
    const m = await loadModel(path.join(GEN, name), { requireTokenizer: false });
    try {
      for (const [axis, targets] of axisCases(m.spec)) {
        const plan = planFromTargets(m.spec, fakeReport(m.spec), targets);
        const planned = plannedSpec(plan);
        await noLeaks(() => {
          const small = slicePlan(m.spec, m.params, plan);
          try {
            assert.deepEqual(small.spec, planned, `${name} ${axis}`);
            const want = expectedShapes(planned);
            assert.deepEqual(Object.keys(small.params).sort(), [...want.keys()].sort(), `${name} ${axis}: tensor names`);
            for (const [n, t] of Object.entries(small.params)) assert.deepEqual(t.shape, want.get(n), `${name} ${axis}: ${n}`);
            const held = Object.values(small.params).reduce((a, t) => a + t.size, 0);
            assert.equal(paramCount(planned), held, `${name} ${axis}`);
          } finally {
            disposeParams(small.params);
          }
        });
      }
    } finally {
      tf.dispose(m.params);
    }
  });
}

test('formatCount / parseCount round trip', () => {
  assert.equal(formatCount(134515008), '134.5M');
  assert.equal(formatCount(1_500_000_000), '1.50B');
  assert.equal(formatCount(-2500), '-2.5K');
  assert.equal(parseCount(formatCount(60e6)), 60e6);
  assert.equal(parseCount(' 250k '), 250_000);
  assert.throws(() => parseCount('lots'), /expected a number with an optional K\/M\/B suffix/);
});
