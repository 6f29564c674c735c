/** Kernel side of the plan editor: display bundle + metadata, comm target, edit checks, replies (fake kernel on globalThis). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ArchPlan, ImportanceReport } from '../../src/types.js';
import { checkEditedPlan, handlePlanMessage, PLAN_COMM_TARGET, PLAN_MIME, planEditor } from '../../src/display/plan_editor.js';
import { PlanError } from '../../src/plan_core/index.js';
import { toggleHead, toggleLayer } from '../../labextension/src/plan_model.js';
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
