import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModel, type LoadedModel } from '../../src/io/checkpoint.js';
import { forward } from '../../src/model/forward.js';
import { planFromTargets, type PlanTargets } from '../../src/prune/plan.js';
import { exportPruned } from '../../src/prune/export.js';
import { ExportError, PlanError } from '../../src/prune/errors.js';
import { paramCount } from '../../src/prune/count.js';
import type { ArchPlan, ModelSpec } from '../../src/types.js';
import { transformersIssue } from '../../src/prune/compat.js';
import { fakeReport } from './helpers.js';
import { ensureReference, maxAbsDiff, MODELS, referenceLogits } from './reference.js';
import { describeEachBackend } from '../backends.js';

const IDS = [[3, 17, 42, 8, 91, 5, 60, 2, 33, 71, 9, 14], [11, 0, 95, 47, 29, 64, 13, 88, 52, 7, 1, 2]];
const models: Record<string, LoadedModel> = {};
let tmp = '';

function dirHash(dir: string): string {
  const h = crypto.createHash('sha1');
  for (const f of fs.readdirSync(dir).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex');
}

before(async () => {
  await tf.setBackend('cpu');
  const gen = ensureReference();
  for (const m of MODELS) models[m] = await loadModel(path.join(gen, m), { requireTokenizer: false });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prune-export-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Per family: one plan per axis and a combined width+depth plan (gpt2 needs hidden = heads × head_dim). */
function cases(name: string, s: LoadedModel['spec']): Array<[string, PlanTargets]> {
  if (name === 'gpt2') {
    return [
      ['neurons', { ffnHiddenSize: 40 }],
      ['layers', { numLayers: 2 }],
      ['heads+channels', { numHeads: 3, hiddenSize: 24 }],
      ['combined', { numHeads: 2, hiddenSize: 16, ffnHiddenSize: 24, dropLayers: [1] }],
    ];
  }
  return [
    // llama_gqa: hidden 48, 6 heads (2 KV), head_dim 8 -> 4 heads and hidden 40 need explicit head_dim (4 × 8 != 40)
    ['heads', { numHeads: s.numHeads - s.numKvHeads, hiddenSize: name === 'llama_gqa' ? 40 : undefined }],
    ['neurons', { ffnHiddenSize: 40 }],
    ['channels', { hiddenSize: s.hiddenSize - (name === 'llama_gqa' ? 12 : 16) }],
    ['layers', { numLayers: s.numLayers - 1 }],
    ['combined', { numHeads: s.numKvHeads, hiddenSize: s.hiddenSize - 8, ffnHiddenSize: 24, numLayers: s.numLayers - 1 }],
  ];
}

let exported: number[][][][] | undefined;

describeEachBackend('prune: exported checkpoints vs transformers', (b) => {
  b.test('every exported model loads in transformers and its logits match ours (each family, each axis, combined)', async () => {
    const dirs: string[] = [];
    const ours: number[][][][] = [];
    for (const name of MODELS) {
      const m = models[name];
      const srcHash = dirHash(m.dir);
      for (const [axis, targets] of cases(name, m.spec)) {
        const rep = fakeReport(m.spec, 11);
        const plan = planFromTargets(m.spec, rep, targets);
        const before = tf.memory().numTensors;
        const out = path.join(tmp, `${b.name}-${name}-${axis}`);
        const res = await exportPruned(out, m, plan, rep);
        assert.equal(tf.memory().numTensors, before);
        assert.equal(res.params, paramCount(res.spec));
        const files = fs.readdirSync(out).sort();
        assert.deepEqual(files.filter((f) => ['config.json', 'model.safetensors', 'plan.json', 'report.json'].includes(f)).length, 4, files.join());
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'plan.json'), 'utf8')), JSON.parse(JSON.stringify(plan)));
        const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
        if (name !== 'gpt2') {
          assert.equal(cfg.hidden_size, plan.target.hiddenSize);
          assert.equal(cfg.head_dim, m.spec.headDim, 'explicit head_dim');
        }
        const back = await loadModel(out, { requireTokenizer: false });
        ours.push(tf.tidy(() => forward(back.spec, back.params, tf.tensor2d(IDS, [2, 12], 'int32')).arraySync()));
        tf.dispose(back.params);
        dirs.push(out);
        assert.equal(dirHash(m.dir), srcHash, 'input checkpoint never written');
      }
    }
    exported ??= referenceLogits(IDS, dirs.map((dir) => ({ dir }))); // same plans and bytes on every backend: one python run
    exported.forEach((r, i) => assert.ok(maxAbsDiff(ours[i], r) <= b.tol.logits, `${path.basename(dirs[i])}: max diff ${maxAbsDiff(ours[i], r)}`));
  });
});

test('export refuses an existing folder, the input folder, a foreign plan and unexportable gpt2 head counts', async () => {
  const m = models.llama_gqa;
  const plan = planFromTargets(m.spec, fakeReport(m.spec), { ffnHiddenSize: 40 });
  const existing = fs.mkdtempSync(path.join(tmp, 'exists-'));
  await assert.rejects(exportPruned(existing, m, plan, null), ExportError);
  await assert.rejects(exportPruned(path.join(m.dir, 'sub'), m, plan, null), /never written/);
  const foreign: ArchPlan = { ...plan, from: { ...plan.from, hiddenSize: 64 } };
  await assert.rejects(exportPruned(path.join(tmp, 'foreign'), m, foreign, null), (e: unknown) => e instanceof PlanError && e.code === 'spec-mismatch');
  const g = models.gpt2;
  await assert.rejects(exportPruned(path.join(tmp, 'g'), g, planFromTargets(g.spec, fakeReport(g.spec), { numHeads: 3 }), null),
    (e: unknown) => e instanceof PlanError && e.code === 'not-exportable');
  await assert.rejects(exportPruned(path.join(tmp, 'l'), m, planFromTargets(m.spec, fakeReport(m.spec), { hiddenSize: 44 }), null),
    (e: unknown) => e instanceof PlanError && e.code === 'not-exportable' && /multiple of num_attention_heads/.test(String(e)));
  const gm = models.gemma3_text; // Gemma3TextConfig validates hidden_size % num_attention_heads like LlamaConfig
  await assert.rejects(exportPruned(path.join(tmp, 'gm'), gm, planFromTargets(gm.spec, fakeReport(gm.spec), { hiddenSize: 30 }), null),
    (e: unknown) => e instanceof PlanError && e.code === 'not-exportable' && /Gemma3TextConfig/.test(String(e)));
  assert.ok(!fs.existsSync(path.join(tmp, 'foreign')) && !fs.existsSync(path.join(tmp, 'g')) && !fs.existsSync(path.join(tmp, 'l')));
  // Phi3Config checks longrope's factor lists against hidden_size / num_attention_heads: pruning must keep that ratio.
  const phi: ModelSpec = { ...models.phi3.spec, ropeScaling: { type: 'longrope', shortFactor: [1, 1], longFactor: [2, 2], originalMaxPositions: 16, attentionFactor: 1.2 } };
  assert.equal(transformersIssue(phi), null);
  assert.match(transformersIssue({ ...phi, hiddenSize: 24 }) ?? '', /Phi3Config checks longrope/);
  assert.equal(transformersIssue({ ...phi, hiddenSize: 16, numHeads: 2 }), null);
});
