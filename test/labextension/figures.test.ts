/** Plot helpers of the lab extension: loss traces, column binning, importance figures, payload checks. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ImportanceReport, TrainHistory } from '../../src/types.js';
import { binColumns, importanceFigures } from '../../labextension/src/importance_figures.js';
import { fmt, lossFigure, seriesOf } from '../../labextension/src/loss_figure.js';
import { asHistory, asReport, mimeOf, MIME, PayloadError } from '../../labextension/src/mime.js';
import type { HistoryJson, ReportJson } from '../../labextension/src/mime.js';
import { sampleHistory, sampleReport } from './fixtures.js';

// Compile-time check: the library's types are assignable to the extension's JSON views.
const views = (h: TrainHistory, r: ImportanceReport): [HistoryJson, ReportJson] => [h, r];
void views;

test('MIME names match the kernel display bundles', () => {
  assert.equal(MIME.trainHistory, 'application/vnd.minitron.train-history+json');
  assert.equal(MIME.importance, 'application/vnd.minitron.importance-report+json');
  assert.equal(MIME.plan, 'application/vnd.minitron.arch-plan+json');
  assert.equal(mimeOf('model-spec'), 'application/vnd.minitron.model-spec+json');
});

test('lossFigure: one trace per present series, sparse evalLoss, lr on y2, title from the last row', () => {
  const h = sampleHistory(40);
  const f = lossFigure(h);
  assert.deepEqual(f.data.map((d) => d.name), ['loss', 'kl', 'ce', 'evalLoss', 'lr']);
  const ev = f.data.find((d) => d.name === 'evalLoss')!;
  assert.deepEqual(ev.x, [20, 40]);
  assert.equal(f.data.find((d) => d.name === 'lr')!.yaxis, 'y2');
  assert.match(String((f.layout.title as { text: string }).text), /^step 40 · loss /);
  const g = lossFigure({ kind: 'train-history', rows: [{ step: 1, loss: 2 }, { step: 2, loss: NaN }] }, { showLr: false, logY: true });
  assert.deepEqual(g.data.map((d) => d.name), ['loss']);
  assert.deepEqual(g.data[0].x, [1], 'non-finite values skipped');
  assert.equal((g.layout.yaxis as { type: string }).type, 'log');
  assert.equal(lossFigure({ kind: 'train-history', rows: [] }).data.length, 0);
  assert.deepEqual(seriesOf(h.rows, 'kl').x.length, 40);
  assert.equal(fmt(0.000012345), '1.234e-5');
  assert.equal(fmt(2.345678), '2.346');
});

test('binColumns averages adjacent columns, last bin narrower, labels as ranges', () => {
  const b = binColumns([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]], 2);
  assert.equal(b.binSize, 3);
  assert.deepEqual(b.z, [[2, 4.5], [4, 1.5]]);
  assert.deepEqual(b.labels, ['0–2', '3–4']);
  assert.deepEqual(binColumns([[1, 9]], 4).labels, ['0', '1']);
  assert.deepEqual(binColumns([[1, 9, 3, 4]], 2, 'max').z, [[9, 4]]);
  assert.throws(() => binColumns([[1]], 0), RangeError);
});

test('importanceFigures: heads heatmap layer × head, neurons binned to ≤ 96 columns, channels, layers bars, blocks', () => {
  const r = { ...sampleReport(), blocks: { k: 4, metric: 'ppl', scores: [1, 2, 3] } };
  const figs = importanceFigures(r);
  assert.deepEqual(figs.map((f) => f.id), ['heads', 'neurons', 'channels', 'layers', 'blocks']);
  const heads = figs[0].data[0] as { type: string; z: number[][] };
  assert.equal(heads.type, 'heatmap');
  assert.equal(heads.z.length, 30);
  assert.equal(heads.z[0].length, 9);
  const neurons = figs[1].data[0] as { z: number[][]; x: string[] };
  assert.equal(neurons.z[0].length, 96);
  assert.equal(neurons.x[0], '0–15');
  const mean = r.neurons![4].slice(16, 32).reduce((a, b) => a + b, 0) / 16;
  assert.ok(Math.abs(neurons.z[4][1] - mean) < 1e-12);
  assert.equal(figs[3].data.length, 2, 'one bar trace per depth metric');
  assert.deepEqual((figs[4].data[0] as { x: string[] }).x, ['0–3', '1–4', '2–5']);
  assert.deepEqual(importanceFigures({ kind: 'importance-report' }), []);
});

test('payload checks name the MIME type and field', () => {
  assert.throws(() => asHistory({ rows: [{ loss: 1 }] }), /train-history\+json payload field 'rows\[0\]\.step': expected a number/);
  assert.throws(() => asHistory('x'), PayloadError);
  assert.throws(() => asReport({ heads: [1, 2] }), /field 'heads': expected number\[\]\[\]/);
  assert.throws(() => asReport({ layers: { ppl: 'x' } }), /field 'layers'/);
  assert.equal(asReport(sampleReport()).heads!.length, 30);
});
