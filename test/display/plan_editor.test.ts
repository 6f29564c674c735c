/** Kernel side of the plan editor: display bundle + metadata, comm target, edit checks, replies (fake kernel on globalThis). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ArchPlan, ImportanceReport } from '../../src/types.js';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { answer, checkEditedPlan, handlePlanMessage, PLAN_COMM_TARGET, PLAN_MIME, planEditor } from '../../src/display/plan_editor.js';
import { PlanError, planParamCounts } from '../../src/plan_core/index.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { lmLoss } from '../../src/eval/perplexity.js';
import { disposeParams, slicePlan } from '../../src/prune/slice.js';
import { noLeaks } from '../helpers.js';
import { fullPlan, setTarget, toggleHead, toggleLayer } from '../../labextension/src/plan_model.js';
import { samplePlan, sampleReport } from '../labextension/fixtures.js';

type Json = Record<string, unknown>;
const g = globalThis as Record<symbol, unknown>;

function fakeKernel() {
  const targets = new Map<string, (comm: { send(d: Json): void; close(): void }, data: Json) => void>();
  const shown: { bundle: Json; opts: { displayId?: string; update: boolean; metadata: Json } }[] = [];
  g[Symbol.for('minitron.comm.provider')] = { registerTarget: (n: string, h: never) => targets.set(n, h) };
  g[Symbol.for('minitron.display.sink')] = { display: (bundle: Json, opts: never) => shown.push({ bundle, opts }) };
  /** What the front end does: opens the comm with data; returns the replies and whether the comm was closed. */
  const open = (data: Json): { replies: Json[]; closed: boolean } => {
    const replies: Json[] = [];
    let closed = false;
    targets.get(PLAN_COMM_TARGET)!({ send: (d) => replies.push(d), close: () => { closed = true; } }, data);
    return { replies, closed };
  };
  return { targets, shown, open };
}

const plan: ArchPlan = samplePlan();

test('planEditor shows the plan with editorId (and scores) in metadata and applies valid edits from the comm', () => {
  const k = fakeKernel();
  const seen: ArchPlan[] = [];
  const ed = planEditor(plan, { importance: sampleReport() as unknown as ImportanceReport });
  ed.onChange((p) => seen.push(p));
  assert.equal(k.shown.length, 1);
  const { bundle, opts } = k.shown[0];
  assert.deepEqual(bundle[PLAN_MIME], JSON.parse(JSON.stringify(plan)));
  assert.match(String(bundle['text/plain']), /layers  30    26/, 'library text/plain fallback');
  assert.match(String(bundle['text/html']), /<table/, 'library text/html fallback');
  const md = opts.metadata[PLAN_MIME] as { editorId: string; scores: { heads: number[][]; layers: number[] } };
  assert.equal(md.editorId, ed.editorId);
  assert.equal(md.scores.heads.length, 30);
  assert.equal(md.scores.layers.length, 30);
  assert.equal(opts.displayId, ed.displayId);
  assert.ok(k.targets.has('minitron.plan'));

  const dropped = plan.keep.layers[3];
  const edited = toggleLayer(plan, dropped);
  const r = k.open({ action: 'apply', editorId: ed.editorId, plan: edited });
  assert.equal(r.closed, true);
  assert.equal(r.replies[0].ok, true);
  assert.equal(ed.edits, 1);
  assert.equal(ed.plan.target.numLayers, 25);
  assert.equal(ed.plan.keep.layers.includes(dropped), false);
  assert.equal(seen.length, 1);
  ed.close();
});

test('inconsistent edits are rejected with a message naming the field; the plan stays', () => {
  const k = fakeKernel();
  const ed = planEditor(plan);
  const bad = toggleHead(plan, plan.keep.layers[0], plan.keep.heads[plan.keep.layers[0]][0]);
  const r = k.open({ action: 'apply', editorId: ed.editorId, plan: bad });
  assert.equal(r.replies[0].ok, false);
  assert.match(String(r.replies[0].error), /keep\.heads\[\d+\] keeps 5 entries, the plan's target says 6/);
  assert.equal(r.replies[0].code, 'size-mismatch');
  assert.equal(ed.edits, 0);
  assert.deepEqual(ed.plan, JSON.parse(JSON.stringify(plan)));
  const otherModel = { ...plan, from: { ...plan.from, hiddenSize: 999 } };
  const foreign = k.open({ action: 'apply', editorId: ed.editorId, plan: otherModel }).replies[0];
  assert.equal(foreign.code, 'spec-mismatch');
  assert.match(String(foreign.error), /hiddenSize: 999 vs 576/);
  assert.match(String(handlePlanMessage({ action: 'delete' }).error), /unknown action/);
  assert.match(String(handlePlanMessage({ action: 'apply', editorId: 'nope', plan }).error), /no plan editor nope/);
  // A null editorId goes to the most recent editor.
  assert.equal(handlePlanMessage({ action: 'apply', editorId: null, plan }).editorId, ed.editorId);
  ed.close();
});

test('checkEditedPlan: PlanError codes for kind, sorting, divisibility, GQA groups; planEditor outside a kernel throws', () => {
  const p = JSON.parse(JSON.stringify(plan)) as ArchPlan & { keep: { layers: number[] }; target: { numHeads: number } };
  assert.deepEqual(checkEditedPlan(plan, p), p);
  const code = (c: string) => (e: unknown) => e instanceof PlanError && e.code === c;
  assert.throws(() => checkEditedPlan(plan, { ...p, kind: 'x' }), code('not-a-plan'));
  assert.throws(() => checkEditedPlan(plan, { ...p, keep: { ...p.keep, layers: [...p.keep.layers].reverse() } }), code('unsorted-index'));
  assert.throws(() => checkEditedPlan(plan, { ...p, target: { ...p.target, numHeads: 4 } }), code('heads-not-divisible'));
  const l0 = p.keep.layers[0];
  const heads = p.keep.heads.map((h, l) => (l === l0 ? [0, 1, 2, 3, 4, 5] : h));
  assert.throws(() => checkEditedPlan(plan, { ...p, keep: { ...p.keep, heads } }), (e: unknown) => code('unequal-groups')(e) && /keep\.heads\[\d+\] keeps \[3, 3, 0\]/.test(String(e)));
  delete g[Symbol.for('minitron.comm.provider')];
  assert.throws(() => planEditor(plan), /minitron Jupyter kernel/);
  delete g[Symbol.for('minitron.display.sink')];
});

test('what-if: after Apply the kernel answers with the masked model’s loss = the sliced model’s loss on the same batch', async () => {
  const k = fakeKernel();
  const model = await loadModel(path.join(__dirname, '..', 'fixtures', 'gen', 'llama_gqa'), { requireTokenizer: false });
  const s = model.spec;
  const ids = Array.from({ length: 3 * 16 }, (_, i) => (i * 7 + 3) % s.vocabSize);
  const pruned = toggleLayer(setTarget(setTarget(fullPlan(s), 'numHeads', s.numHeads / 2), 'ffnHiddenSize', s.ffnHiddenSize / 2), 1);
  await noLeaks(async () => {
    const ed = planEditor(fullPlan(s), { model, evalIds: ids, whatIf: { tokens: 32, seqLen: 16 } });
    const replies: Json[] = [];
    let closed = false;
    const done = new Promise<void>((resolve) => {
      answer({ send: (d) => replies.push(d), close: () => { closed = true; resolve(); } }, { action: 'apply', editorId: ed.editorId, plan: pruned });
    });
    assert.equal(replies.length, 1, 'the reply goes out before the what-if is computed');
    assert.equal(replies[0].ok, true);
    assert.equal(closed, false);
    await done;
    const w = replies[1].whatIf as { loss: number; baseLoss: number; perplexity: number; batch: number; seqLen: number; source: string; paramsFrom: number; paramsTarget: number };
    assert.deepEqual([w.batch, w.seqLen, w.source], [2, 16, 'evalIds']);
    const x = tf.tensor2d(Int32Array.from(ids.slice(0, 32)), [2, 16], 'int32');
    const sliced = slicePlan(s, model.params, pruned);
    const want = lmLoss(sliced.spec, sliced.params, x);
    const base = lmLoss(s, model.params, x);
    assert.ok(Math.abs(w.loss - want.dataSync()[0]) < 1e-4, `masked ${w.loss} vs sliced ${want.dataSync()[0]}`);
    assert.ok(Math.abs(w.baseLoss - base.dataSync()[0]) < 1e-5);
    assert.ok(Math.abs(w.perplexity - Math.exp(w.loss)) < 1e-9 * w.perplexity);
    assert.equal(w.paramsFrom, planParamCounts(pruned).from);
    assert.equal(w.paramsTarget, planParamCounts(pruned).target);
    tf.dispose([x, want, base]);
    disposeParams(sliced.params);
    ed.close();
  });
  assert.throws(() => planEditor(plan, { model }), /model\.spec: expected the spec the plan was made from/);
  assert.throws(() => planEditor(fullPlan(s), { model, evalIds: [1, 2] }), /evalIds: expected at least 64 token ids/);
  void k;
  tf.dispose(Object.values(model.params));
});
