/**
 * The lab plan editor and the library give the same plans, counts and errors: both run the plan core. Editor plans are
 * built with the editor's own edits (setTarget with importance scores), library plans with planFromTargets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfig } from '../../src/io/checkpoint.js';
import { planFromTargets } from '../../src/prune/plan.js';
import { checkEditedPlan } from '../../src/display/plan_editor.js';
import { fullPlan, setTarget } from '../../labextension/src/plan_model.js';
import type { PlanScores } from '../../labextension/src/plan_model.js';
import { paramCount, PlanError, planParamCounts, planProblems, plannedSpec, TARGET_FIELDS, validatePlan } from '../../src/plan_core/index.js';
import type { ArchPlan, ImportanceReport, ModelSpec } from '../../src/index.js';
import { fakeReport, tinySpec } from '../prune/helpers.js';
import { smolSpec } from '../labextension/fixtures.js';
import { axisCases, FIXTURES, GEN } from './cases.js';

/** GPT-2 124M (openai-community/gpt2 config). */
const GPT2_124M: ModelSpec = {
  family: 'gpt2', vocabSize: 50257, hiddenSize: 768, numLayers: 12, numHeads: 12, numKvHeads: 12, headDim: 64, ffnHiddenSize: 3072,
  activation: 'gelu_new', mlpType: 'plain', normType: 'layernorm', normEps: 1e-5, positional: 'learned', ropeTheta: 10000, ropeScaling: null,
  maxPositions: 1024, tiedEmbeddings: true, qkvBias: true, oBias: true, mlpBias: true, slidingWindow: null, bosTokenId: 50256, eosTokenId: 50256,
};

const scoresOf = (r: ImportanceReport): PlanScores => ({ heads: r.heads, neurons: r.neurons, channels: r.channels, layers: r.layers?.ppl });

/** The editor's plan for `targets`: one setTarget edit per axis, choosing units by the report's scores. */
function editorPlan(spec: ModelSpec, report: ImportanceReport, targets: Partial<Record<(typeof TARGET_FIELDS)[number], number>>): ArchPlan {
  let p = fullPlan(spec);
  for (const f of TARGET_FIELDS) if (targets[f] !== undefined) p = setTarget(p, f, targets[f]!, scoresOf(report));
  return p;
}

const specs: [string, ModelSpec][] = [
  ['gpt2 124M', GPT2_124M], ['smollm2 135M', smolSpec], ['gpt2 untied', { ...GPT2_124M, tiedEmbeddings: false }],
  ...FIXTURES.filter((f) => f !== 'llama_sharded' && fs.existsSync(path.join(GEN, f, 'config.json')))
    .map((f): [string, ModelSpec] => [f, readConfig(path.join(GEN, f)).spec]),
];

test('GPT-2 124M cut from 12 to 8 heads: the editor and the library count the same (K/V heads go with their query heads)', () => {
  const rep = fakeReport(GPT2_124M);
  const lib = planFromTargets(GPT2_124M, rep, { numHeads: 8 });
  const ed = editorPlan(GPT2_124M, rep, { numHeads: 8 });
  const libCount = paramCount(plannedSpec(lib));
  // Per layer: q, k, v [512, 768] + biases [512], o [768, 512] + bias [768]; everything else unchanged.
  const attn = (q: number): number => 4 * 768 * q + 3 * q + 768;
  assert.equal(libCount, paramCount(GPT2_124M) - 12 * (attn(768) - attn(512)));
  assert.equal(planParamCounts(ed).target, libCount);
  assert.equal(planParamCounts(ed).from, 124439808, 'transformers: GPT2LMHeadModel(gpt2) has 124,439,808 parameters');
  assert.equal(plannedSpec(ed).numKvHeads, 8);
  assert.deepEqual(planProblems(ed), [], 'multi-head attention: any head count is a valid target');
});

for (const [name, spec] of specs) {
  test(`${name}: editor plans == library plans and counts for every axis and combination`, () => {
    const rep = fakeReport(spec, 3);
    for (const [axis, targets] of axisCases(spec)) {
      const lib = planFromTargets(spec, rep, targets);
      const ed = editorPlan(spec, rep, targets);
      assert.deepEqual(ed.target, lib.target, `${name} ${axis}`);
      assert.deepEqual(ed.keep, lib.keep, `${name} ${axis}: same units chosen from the same scores`);
      assert.equal(planParamCounts(ed).target, paramCount(plannedSpec(lib)), `${name} ${axis}`);
      assert.deepEqual(planProblems(ed), [], `${name} ${axis}`);
      assert.equal(validatePlan(ed, spec), ed);
    }
  });
}

const code = (c: string) => (e: unknown) => e instanceof PlanError && e.code === c;
type Mutation = [string, (p: ArchPlan) => ArchPlan];

function mutations(spec: ModelSpec): Mutation[] {
  const k = (p: ArchPlan, keep: Partial<ArchPlan['keep']>): ArchPlan => ({ ...p, keep: { ...p.keep, ...keep } });
  const out: Mutation[] = [
    ['unsorted-index', (p) => k(p, { channels: [...p.keep.channels].reverse() })],
    ['duplicate-index', (p) => k(p, { layers: [p.keep.layers[0], ...p.keep.layers.slice(0, -1)] })],
    ['bad-index', (p) => k(p, { neurons: p.keep.neurons.map((r) => [...r.slice(0, -1), spec.ffnHiddenSize]) })],
    ['size-mismatch', (p) => k(p, { layers: p.keep.layers.slice(1) })],
    ['zero-heads', (p) => ({ ...p, target: { ...p.target, numHeads: 0 }, keep: { ...p.keep, heads: p.keep.heads.map(() => []) } })],
    ['target-too-large', (p) => ({ ...p, target: { ...p.target, hiddenSize: spec.hiddenSize + 1 } })],
    ['not-a-plan', (p) => ({ ...p, kind: 'x' } as unknown as ArchPlan)],
  ];
  if (spec.numKvHeads !== spec.numHeads) {
    // Same head count, but taken from KV group 0 first: unequal groups.
    out.push(['unequal-groups', (p) => k(p, { heads: p.keep.heads.map((r) => Array.from({ length: r.length }, (_, i) => i)) })]);
    out.push(['heads-not-divisible', (p) => ({ ...p, target: { ...p.target, numHeads: spec.numKvHeads + 1 } })]);
  }
  return out;
}

for (const [name, spec] of [['llama GQA', tinySpec()], ['gpt2 (multi-head)', tinySpec({ family: 'gpt2', numKvHeads: 6 })]] as const) {
  test(`${name}: a bad plan gets the same PlanError code from the library, the lab editor and the kernel editor`, () => {
    const good = planFromTargets(spec, fakeReport(spec), { numHeads: 4, ffnHiddenSize: 40, hiddenSize: 40, numLayers: 3 });
    for (const [c, mutate] of mutations(spec)) {
      const bad = mutate(good);
      assert.throws(() => validatePlan(bad, spec), code(c), `library ${c}`);
      assert.equal(planProblems(bad)[0]?.code, c, `lab editor ${c}`);
      assert.throws(() => checkEditedPlan(good, bad), code(c), `kernel editor ${c}`);
    }
    assert.throws(() => checkEditedPlan(good, { ...good, from: { ...spec, hiddenSize: 999 } }), code('spec-mismatch'));
  });
}

test('edits the editor refuses carry the code the library gives for the same target', () => {
  const spec = tinySpec();
  const rep = fakeReport(spec);
  for (const [field, value, c] of [['numHeads', 5, 'heads-not-divisible'], ['numHeads', 0, 'zero-heads'], ['hiddenSize', 49, 'target-too-large'], ['ffnHiddenSize', 0, 'target-too-small']] as const) {
    assert.throws(() => planFromTargets(spec, rep, { [field]: value }), code(c), `library ${field}=${value}`);
    assert.throws(() => setTarget(fullPlan(spec), field, value), code(c), `editor ${field}=${value}`);
  }
});
