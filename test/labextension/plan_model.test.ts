/** Plan editing helpers of the lab extension: resize/toggle edits, the plan core's checks and counts as the editor uses them, vs transformers. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { asPlan, PayloadError } from '../../labextension/src/mime.js';
import { fullPlan, groupSize, resizeKept, setTarget, targetStep, toggleHead, toggleLayer } from '../../labextension/src/plan_model.js';
import { paramCount, PlanError, planParamCounts, planProblems } from '../../src/plan_core/index.js';
import type { ArchPlan, ModelSpec } from '../../src/plan_core/index.js';
import { samplePlan, sampleReport, smolSpec } from './fixtures.js';

const code = (c: string) => (e: unknown) => e instanceof PlanError && e.code === c;
const has = (p: ArchPlan, c: string, field: string): boolean => planProblems(p).some((x) => x.code === c && x.field === field);

test('resizeKept: keeps current units first, then by index; by score when given; equal counts per group', () => {
  assert.deepEqual(resizeKept([1, 3, 5], 6, 2), [1, 3]);
  assert.deepEqual(resizeKept([1, 3], 6, 4), [0, 1, 2, 3]);
  assert.deepEqual(resizeKept([], 5, 2, [0.1, 0.9, 0.5, 0.95, 0.2]), [1, 3]);
  // 9 heads in 3 KV groups, keep 6 by score: the best 2 of each group even when one group has all the top scores.
  const s = [9, 8, 7, 1, 2, 3, 0.1, 0.3, 0.2];
  assert.deepEqual(resizeKept([], 9, 6, s, 3), [0, 1, 4, 5, 7, 8]);
  assert.throws(() => resizeKept([], 9, 7, s, 3), code('heads-not-divisible'));
  assert.throws(() => resizeKept([], 4, 5), /integer in \[0, 4\]/);
});

test('toggleHead / toggleLayer / setTarget are immutable and keep the plan consistent', () => {
  const p = fullPlan(smolSpec);
  assert.deepEqual(planProblems(p), []);
  const q = toggleHead(p, 2, 4);
  assert.deepEqual(p.keep.heads[2], [0, 1, 2, 3, 4, 5, 6, 7, 8], 'input not mutated');
  assert.deepEqual(q.keep.heads[2], [0, 1, 2, 3, 5, 6, 7, 8]);
  assert.ok(has(q, 'size-mismatch', 'keep.heads[2]'), JSON.stringify(planProblems(q)));
  const r = setTarget(q, 'numHeads', 6);
  assert.deepEqual(planProblems(r), []);
  assert.ok(r.keep.heads.every((h) => h.length === 6));
  assert.deepEqual(r.keep.heads[2], [0, 1, 3, 5, 6, 7], 'keeps the currently kept heads, 2 per KV group');
  const d = toggleLayer(r, 29);
  assert.equal(d.target.numLayers, 29);
  assert.equal(d.keep.layers.includes(29), false);
  assert.deepEqual(toggleLayer(d, 29).keep.layers, r.keep.layers);
  assert.throws(() => setTarget(p, 'numHeads', 7), (e: unknown) => code('heads-not-divisible')(e) && /not divisible by numKvHeads 3/.test(String(e)));
  assert.throws(() => setTarget(p, 'ffnHiddenSize', 2000), code('target-too-large'));
  assert.throws(() => setTarget(p, 'hiddenSize', 0), code('target-too-small'));
  assert.throws(() => toggleHead(p, 30, 0), code('bad-index'));
});

test('setTarget with importance scores keeps the most important units', () => {
  const rep = sampleReport();
  const p = setTarget(fullPlan(smolSpec), 'ffnHiddenSize', 4, { neurons: rep.neurons as number[][] });
  const row = rep.neurons![3];
  const best = [...row.keys()].sort((a, b) => row[b] - row[a]).slice(0, 4).sort((a, b) => a - b);
  assert.deepEqual(p.keep.neurons[3], best);
  const plan = samplePlan();
  assert.deepEqual(planProblems(plan), []);
  assert.deepEqual(plan.keep.layers.length, 26);
  assert.ok(plan.keep.layers.includes(0) && plan.keep.layers.includes(29), 'first/last layers score highest (ppl)');
});

test('planProblems reports GQA imbalance, out-of-range and unsorted indices with the library codes', () => {
  // 6 heads = [0,1 | 3,4 | 6,7]; moving one head from group 0 to group 1 keeps 6 heads but unbalances the groups.
  const p = toggleHead(toggleHead(setTarget(fullPlan(smolSpec), 'numHeads', 6), 0, 0), 0, 5);
  assert.deepEqual(p.keep.heads[0], [1, 3, 4, 5, 6, 7]);
  const imbalance = planProblems(p).find((x) => x.field === 'keep.heads[0]');
  assert.equal(imbalance?.code, 'unequal-groups');
  assert.match(imbalance!.message, /keeps \[1, 3, 2\] heads per KV group, expected 2/);
  const full = fullPlan(smolSpec);
  const bad: ArchPlan = { ...full, target: { ...full.target, hiddenSize: 3 }, keep: { ...full.keep, channels: [3, 2, 600] } };
  assert.ok(has(bad, 'unsorted-index', 'keep.channels'), JSON.stringify(planProblems(bad)));
  assert.equal(groupSize({ numHeads: 12, numKvHeads: 12 }), 1);
  assert.equal(groupSize({ numHeads: 9, numKvHeads: 3 }), 3);
  assert.equal(targetStep(smolSpec).numHeads, 3, 'GQA: heads go by numKvHeads');
  assert.equal(targetStep({ ...smolSpec, numKvHeads: 9 }).numHeads, 1, 'multi-head attention: any head count');
});

test('asPlan rejects malformed payloads naming the field', () => {
  assert.throws(() => asPlan(null), PayloadError);
  const p = JSON.parse(JSON.stringify(fullPlan(smolSpec))) as Record<string, any>;
  p.keep.heads = [[0, 'x']];
  assert.throws(() => asPlan(p), /field 'keep.heads'/);
  delete p.from.numKvHeads;
  assert.throws(() => asPlan(p), /field 'from.numKvHeads': expected a number/);
});

test('the editor count of SmolLM2-135M is the documented one', () => {
  assert.equal(planParamCounts(fullPlan(smolSpec)).from, 134515008);
  assert.equal(paramCount(smolSpec), 134515008);
});

const PY = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'python');
test('planParamCounts of editor plans match transformers parameter counts (llama with head_dim, gpt2)', { skip: fs.existsSync(PY) ? false : '.venv missing', timeout: 120_000 }, () => {
  const llama: ModelSpec = { ...smolSpec, vocabSize: 101, hiddenSize: 48, numLayers: 5, numHeads: 6, numKvHeads: 2, headDim: 8, ffnHiddenSize: 40,
    maxPositions: 64, tiedEmbeddings: false };
  const gpt2: ModelSpec = { ...smolSpec, family: 'gpt2', vocabSize: 97, hiddenSize: 32, numLayers: 3, numHeads: 4, numKvHeads: 4, headDim: 8, ffnHiddenSize: 128,
    activation: 'gelu_new', mlpType: 'plain', normType: 'layernorm', positional: 'learned', maxPositions: 40, tiedEmbeddings: true, qkvBias: true, oBias: true, mlpBias: true };
  const plan = setTarget(setTarget(setTarget(toggleLayer(fullPlan(llama), 2), 'numHeads', 4), 'ffnHiddenSize', 24), 'hiddenSize', 40);
  const code = `
import json, torch, transformers as T
def n(m): return sum(p.numel() for p in m.parameters())
out = {}
out['llama'] = n(T.LlamaForCausalLM(T.LlamaConfig(vocab_size=101, hidden_size=48, intermediate_size=40, num_hidden_layers=5, num_attention_heads=6, num_key_value_heads=2, head_dim=8, tie_word_embeddings=False)))
out['pruned'] = n(T.LlamaForCausalLM(T.LlamaConfig(vocab_size=101, hidden_size=40, intermediate_size=24, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, head_dim=8, tie_word_embeddings=False)))
out['gpt2'] = n(T.GPT2LMHeadModel(T.GPT2Config(vocab_size=97, n_embd=32, n_layer=3, n_head=4, n_positions=40)))
print(json.dumps(out))`;
  const ref = JSON.parse(execFileSync(PY, ['-c', code], { encoding: 'utf8', env: { ...process.env, TRANSFORMERS_VERBOSITY: 'error' } }).trim().split('\n').pop()!);
  assert.equal(paramCount(llama), ref.llama);
  assert.equal(paramCount(gpt2), ref.gpt2);
  const pc = planParamCounts(plan);
  assert.equal(pc.from, ref.llama);
  assert.equal(pc.target, ref.pruned);
});
