import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFromTargets, topK, identityPlan } from '../../src/prune/plan.js';
import { validatePlan } from '../../src/prune/validate.js';
import { PlanError } from '../../src/prune/errors.js';
import { maskFromPlan, skipLayersFromPlan } from '../../src/prune/mask.js';
import { paramCount, parseCount, plannedSpec } from '../../src/prune/count.js';
import type { ArchPlan } from '../../src/types.js';
import { fakeReport, tinySpec } from './helpers.js';

const code = (c: string) => (e: unknown) => e instanceof PlanError && e.code === c;

test('topK keeps the highest scores, sorted, lower index wins ties', () => {
  assert.deepEqual(topK([0.1, 0.9, 0.5, 0.9], 2), [1, 3]);
  assert.deepEqual(topK([1, 1, 1], 2), [0, 1]);
});

test('planFromTargets keeps top-scored units; heads trimmed equally per KV group', () => {
  const spec = tinySpec();
  const rep = fakeReport(spec);
  const plan = planFromTargets(spec, rep, { hiddenSize: 32, ffnHiddenSize: 40, numHeads: 4, numLayers: 3 });
  validatePlan(plan, spec);
  assert.equal(plan.keep.channels.length, 32);
  assert.deepEqual(plan.keep.channels, topK(rep.channels!, 32));
  for (let l = 0; l < spec.numLayers; l++) {
    const h = plan.keep.heads[l];
    assert.equal(h.filter((x) => x < 3).length, 2);
    assert.equal(h.filter((x) => x >= 3).length, 2);
    // the dropped head of each group is the lowest-scored one of that group
    for (const g of [0, 1]) {
      const group = [0, 1, 2].map((i) => g * 3 + i);
      const dropped = group.find((x) => !h.includes(x))!;
      assert.equal(Math.min(...group.map((x) => rep.heads![l][x])), rep.heads![l][dropped]);
    }
    assert.deepEqual(plan.keep.neurons[l], topK(rep.neurons![l], 40));
  }
  assert.deepEqual(plan.keep.layers, topK(rep.layers!.ppl, 3));
  assert.deepEqual(plannedSpec(plan).numHeads, 4);
});

test('planFromTargets: dropLayers, bi metric and best contiguous block', () => {
  const spec = tinySpec();
  const rep = fakeReport(spec);
  assert.deepEqual(planFromTargets(spec, rep, { dropLayers: [1, 3] }).keep.layers, [0, 2]);
  assert.deepEqual(planFromTargets(spec, rep, { numLayers: 2, depthMetric: 'bi' }).keep.layers, topK(rep.layers!.bi, 2));
  const blocks = { ...rep, blocks: { k: 2, metric: 'ppl', scores: [5, 1, 7] } };
  assert.deepEqual(planFromTargets(spec, blocks, { numLayers: 2, depthMetric: 'block' }).keep.layers, [0, 3]);
  assert.throws(() => planFromTargets(spec, blocks, { numLayers: 3, depthMetric: 'block' }), code('size-mismatch'));
});

test('planFromTargets rejects impossible targets and foreign reports', () => {
  const spec = tinySpec();
  const rep = fakeReport(spec);
  assert.throws(() => planFromTargets(spec, rep, { numHeads: 0 }), code('zero-heads'));
  assert.throws(() => planFromTargets(spec, rep, { numHeads: 3 }), code('heads-not-divisible'));
  assert.throws(() => planFromTargets(spec, rep, { hiddenSize: 64 }), code('target-too-large'));
  assert.throws(() => planFromTargets(spec, rep, { dropLayers: [0, 1, 2, 3] }), code('target-too-small'));
  assert.throws(() => planFromTargets(spec, rep, { dropLayers: [9] }), code('bad-index'));
  assert.throws(() => planFromTargets(spec, fakeReport(tinySpec({ hiddenSize: 64 })), {}), code('spec-mismatch'));
  assert.throws(() => planFromTargets(spec, { ...rep, neurons: undefined }, { ffnHiddenSize: 10 }), code('missing-scores'));
  assert.throws(() => planFromTargets(spec, null, { hiddenSize: 10 }), /no channels scores/);
});

test('validatePlan names the broken field', () => {
  const spec = tinySpec();
  const good = planFromTargets(spec, fakeReport(spec), { hiddenSize: 32, numHeads: 4, numLayers: 3 });
  const edit = (f: (p: { -readonly [K in keyof ArchPlan]: any }) => void): ArchPlan => { const p = structuredClone(good) as any; f(p); return p; };
  assert.throws(() => validatePlan(edit((p) => { p.keep.channels[1] = p.keep.channels[0]; }), spec), code('duplicate-index'));
  assert.throws(() => validatePlan(edit((p) => { p.keep.channels.reverse(); }), spec), code('unsorted-index'));
  assert.throws(() => validatePlan(edit((p) => { p.keep.channels[31] = 48; }), spec), (e: unknown) => code('bad-index')(e) && /keep\.channels\[31\]/.test(String(e)));
  assert.throws(() => validatePlan(edit((p) => { p.keep.heads[2] = [0, 1, 2, 3]; }), spec), (e: unknown) => code('unequal-groups')(e) && /keep\.heads\[2\]/.test(String(e)));
  assert.throws(() => validatePlan(edit((p) => { p.target.numHeads = 0; p.keep.heads = p.keep.heads.map(() => []); }), spec), code('zero-heads'));
  assert.throws(() => validatePlan(edit((p) => { p.target.numHeads = 3; }), spec), code('heads-not-divisible'));
  assert.throws(() => validatePlan(edit((p) => { p.target.hiddenSize = 50; }), spec), code('target-too-large'));
  assert.throws(() => validatePlan(edit((p) => { p.keep.layers = [0, 1]; }), spec), code('size-mismatch'));
  assert.throws(() => validatePlan(good, tinySpec({ numLayers: 5 })), code('spec-mismatch'));
  assert.throws(() => validatePlan({ kind: 'x' } as unknown as ArchPlan, spec), code('not-a-plan'));
  assert.equal(validatePlan(good, spec), good);
});

test('maskFromPlan and skipLayersFromPlan mirror the kept indices', () => {
  const spec = tinySpec();
  const plan = planFromTargets(spec, fakeReport(spec), { hiddenSize: 40, numHeads: 4, dropLayers: [2] });
  const m = maskFromPlan(plan);
  assert.equal(m.channels!.reduce((a, b) => a + b), 40);
  plan.keep.channels.forEach((c) => assert.equal(m.channels![c], 1));
  assert.deepEqual(m.heads![0]!.map((v, i) => (v ? i : -1)).filter((i) => i >= 0), plan.keep.heads[0]);
  assert.ok(m.neurons!.every((n) => n === null));
  assert.deepEqual(skipLayersFromPlan(plan), [2]);
  assert.deepEqual(maskFromPlan(identityPlan(spec)).channels, null);
});

test('paramCount matches a hand count and parseCount reads suffixes', () => {
  const spec = tinySpec();
  const D = 48, F = 80, q = 48, kv = 16;
  const layer = D * q * 2 + 2 * D * kv + 3 * D * F + 2 * D;
  assert.equal(paramCount(spec), 4 * layer + 96 * D + D);
  assert.equal(parseCount('60M'), 60_000_000);
  assert.equal(parseCount('1.5B'), 1_500_000_000);
  assert.equal(parseCount('1234'), 1234);
  assert.throws(() => parseCount('lots'), /expected a number/);
});

test('multi-head attention (gpt2): heads are pruned with their K/V heads, any head count allowed', () => {
  const spec = tinySpec({ family: 'gpt2', numHeads: 4, numKvHeads: 4, hiddenSize: 32, headDim: 8 });
  const rep = fakeReport(spec);
  const plan = planFromTargets(spec, rep, { numHeads: 3 });
  validatePlan(plan, spec);
  plan.keep.heads.forEach((h, l) => assert.deepEqual(h, topK(rep.heads![l], 3)));
  assert.equal(plannedSpec(plan).numKvHeads, 3);
  assert.throws(() => planFromTargets(spec, rep, { numHeads: 0 }), code('zero-heads'));
});
