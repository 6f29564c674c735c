import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModel, type LoadedModel } from '../../src/io/checkpoint.js';
import { forward } from '../../src/model/forward.js';
import { ImportanceAccumulator } from '../../src/importance/accumulator.js';
import { estimateImportance } from '../../src/importance/estimate.js';
import { mcLogLikelihoods, loadMcTask, McTaskError, type McItem } from '../../src/importance/mc_task.js';
import { taylorPlus, contiguousWindows, PROTECTED_SCORE } from '../../src/importance/depth.js';
import type { Aggregation, ImportanceReport } from '../../src/types.js';
import { ensureReference, maxAbsDiff, maxRelDiff, MODELS } from '../prune/reference.js';
import { describeEachBackend } from '../backends.js';

interface Expected {
  heads: Record<string, number[][]>; neurons: Record<string, number[][]>; neurons_fc1: Record<string, number[][]>;
  channels: Record<string, number[]>; bi: number[]; ppl: number[]; blocks: { k: number; scores: number[] }; taylor: number[];
  mc_items: McItem[]; mc_ll: number[][]; mc: number[]; base_loss: number;
}
const models: Record<string, { model: LoadedModel; calib: number[][][]; exp: Expected }> = {};

before(async () => {
  await tf.setBackend('cpu');
  const gen = ensureReference();
  for (const m of MODELS) {
    const dir = path.join(gen, m);
    models[m] = {
      model: await loadModel(dir, { requireTokenizer: false }),
      calib: JSON.parse(fs.readFileSync(path.join(dir, 'calib.json'), 'utf8')),
      exp: JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')),
    };
  }
});

// Taylor scores are products of gradients and weights summed per layer: twice the activation-score tolerance.
describeEachBackend('importance vs transformers hooks', (b) => {
  for (const name of MODELS) {
    b.test(`${name}: estimateImportance matches transformers hooks (width, BI, PPL, blocks, Taylor, MC)`, async () => {
      const { model, calib, exp } = models[name];
      const before = tf.memory().numTensors;
      const rep = await estimateImportance(model, calib, { depth: ['ppl', 'bi', 'taylor', 'taylor+', 'mc'], blockK: 2, mcItems: exp.mc_items });
      assert.equal(tf.memory().numTensors, before);
      assert.equal(rep.samples, 4);
      const { score, ppl } = b.tol;
      assert.ok(maxRelDiff(rep.heads, exp.heads['mean/l2']) < score, `heads ${maxRelDiff(rep.heads, exp.heads['mean/l2'])}`);
      assert.ok(maxRelDiff(rep.neurons, exp.neurons['mean/l2'], 1e-4) < score, `neurons ${maxRelDiff(rep.neurons, exp.neurons['mean/l2'], 1e-4)}`);
      assert.ok(maxRelDiff(rep.channels, exp.channels['mean/l2']) < score, `channels ${maxRelDiff(rep.channels, exp.channels['mean/l2'])}`);
      const L = rep.layers!;
      assert.ok(maxAbsDiff(L.bi, exp.bi) < ppl, `bi ${maxAbsDiff(L.bi, exp.bi)}`);
      assert.ok(maxRelDiff(L.ppl, exp.ppl) < ppl, `ppl ${maxRelDiff(L.ppl, exp.ppl)}`);
      assert.ok(maxRelDiff(rep.blocks!.scores, exp.blocks.scores) < ppl);
      assert.ok(maxRelDiff(L.taylor, exp.taylor) < 2 * score, `taylor ${maxRelDiff(L.taylor, exp.taylor)}`);
      assert.deepEqual(L.mc, exp.mc);
      assert.equal(L['taylor+'].length, model.spec.numLayers);
      const lls = mcLogLikelihoods(model.spec, model.params, exp.mc_items);
      assert.ok(maxAbsDiff(lls, exp.mc_ll) < score, `mc ll ${maxAbsDiff(lls, exp.mc_ll)}`);
    });
  }
});

for (const name of MODELS) {

  test(`${name}: every seq × batch aggregation and the fc1 neuron tap match the reference`, () => {
    const { model, calib, exp } = models[name];
    const aggs: Aggregation[] = ['mean', 'l2', 'var'];
    for (const seq of aggs) for (const batch of aggs) {
      for (const neuronTap of ['mlp_act', 'mlp_fc1'] as const) {
        if (neuronTap === 'mlp_fc1' && (seq !== 'mean' || batch !== 'l2')) continue;
        const acc = new ImportanceAccumulator(model.spec, { seq, batch, neuronTap });
        for (const b of calib) tf.tidy(() => { forward(model.spec, model.params, tf.tensor2d(b, [b.length, b[0].length], 'int32'), { onTap: acc.onTap }); });
        const s = acc.scores();
        const key = `${seq}/${batch}`;
        const eps = batch === 'var' ? 1e-3 : 1e-4;
        const refNeurons = neuronTap === 'mlp_fc1' ? exp.neurons_fc1[key] : exp.neurons[key];
        assert.ok(maxRelDiff(s.heads, exp.heads[key], eps) < 2e-3, `${key} heads ${maxRelDiff(s.heads, exp.heads[key], eps)}`);
        assert.ok(maxRelDiff(s.neurons, refNeurons, eps) < 2e-3, `${key} ${neuronTap} ${maxRelDiff(s.neurons, refNeurons, eps)}`);
        assert.ok(maxRelDiff(s.channels, exp.channels[key], eps) < 2e-3, `${key} channels ${maxRelDiff(s.channels, exp.channels[key], eps)}`);
      }
    }
  });
}

test('an interrupted run resumes from its state file and gives the same report', async () => {
  const { model, calib } = models.llama_gqa;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imp-state-'));
  const statePath = path.join(tmp, 'state.json');
  const full = await estimateImportance(model, calib, { depth: ['ppl', 'bi'] });
  await assert.rejects(estimateImportance(model, calib, {
    depth: ['ppl', 'bi'], statePath, onProgress: (stage, done) => { if (stage === 'activations' && done === 1) throw new Error('interrupted'); },
  }), /interrupted/);
  const saved = JSON.parse(fs.readFileSync(statePath, 'utf8'));
  assert.equal(saved.batchesDone, 1);
  const stages: string[] = [];
  const resumed = await estimateImportance(model, calib, { depth: ['ppl', 'bi'], statePath, onProgress: (s, d) => stages.push(`${s}${d}`) });
  assert.ok(stages.includes('activations2') && !stages.includes('activations1'), stages.join());
  assert.ok(maxRelDiff(resumed.heads, full.heads) < 1e-6);
  assert.ok(maxRelDiff(resumed.channels, full.channels) < 1e-6);
  assert.ok(maxRelDiff(resumed.layers!.ppl, full.layers!.ppl) < 1e-6);
  await assert.rejects(estimateImportance(model, calib, { depth: ['ppl', 'bi'], statePath, seq: 'l2' }), /other options/);
  const other = models.gpt2;
  await assert.rejects(estimateImportance(other.model, other.calib, { statePath }), /another model/);
  fs.rmSync(tmp, { recursive: true });
});

test('report is JSON-serialisable and taylor+/windows helpers behave', async () => {
  const { model, calib } = models.gpt2;
  const rep: ImportanceReport = await estimateImportance(model, calib, { depth: ['bi'] });
  assert.deepEqual(JSON.parse(JSON.stringify(rep)), rep);
  assert.deepEqual(Object.keys(rep.layers!), ['bi']);
  assert.deepEqual(taylorPlus([3, 1, 2, 5, 4, 1, 2, 9]), [PROTECTED_SCORE, PROTECTED_SCORE, PROTECTED_SCORE, PROTECTED_SCORE, 4, 1, PROTECTED_SCORE, PROTECTED_SCORE]);
  assert.deepEqual(contiguousWindows(4, 2), [[0, 1], [1, 2], [2, 3]]);
  assert.throws(() => contiguousWindows(4, 4), /k must be/);
  await assert.rejects(estimateImportance(model, [], {}), /at least one/);
  await assert.rejects(estimateImportance(model, calib, { depth: ['mc'] }), /mcItems/);
});

test('loadMcTask tokenises like lm-eval and rejects bad lines', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-'));
  const f = path.join(tmp, 't.jsonl');
  const enc = { encode: (s: string) => s.split(/(?= )/).map((w) => w.length) }; // a "tokenizer": one id per space-led word
  fs.writeFileSync(f, '{"context": "The cat sat on the ", "choices": ["mat", "dog house"], "label": 0}\n\n');
  const items = loadMcTask(f, enc);
  assert.deepEqual(items, [{ context: [3, 4, 4, 3, 4], choices: [[4], [4, 6]], label: 0 }]);
  fs.writeFileSync(f, '{"context": "x", "choices": ["a"], "label": 3}\n');
  assert.throws(() => loadMcTask(f, enc), (e: unknown) => e instanceof McTaskError && /t\.jsonl:1/.test(String(e)));
  fs.writeFileSync(f, 'not json\n');
  assert.throws(() => loadMcTask(f, enc), /not valid JSON/);
  fs.rmSync(tmp, { recursive: true });
});
