/** Plot helpers of the lab extension: loss traces, column binning, importance figures, payload checks. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ImportanceReport, TrainHistory } from '../../src/types.js';
import { binColumns, importanceFigures, scaleRows } from '../../labextension/src/importance_figures.js';
import { fmt, fmtDuration, lossFigure, lossHeader, progressOf, sameAs, seriesOf, stepAxis } from '../../labextension/src/loss_figure.js';
import { applyTheme, contrastRatio, DARK_PALETTE, DEFAULT_THEME, parseColor } from '../../labextension/src/theme.js';
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

test('lossFigure: one trace per present series, sparse evalLoss, lr on y2', () => {
  const h = sampleHistory(40);
  const f = lossFigure(h);
  assert.deepEqual(f.data.map((d) => d.name), ['loss', 'kl (= loss)', 'ce', 'eval loss', 'lr']);
  const ev = f.data.find((d) => d.name === 'eval loss')!;
  assert.equal((ev.marker as { symbol: string }).symbol, 'diamond', 'eval points marked');
  // kl equals loss in the sample: dashed with markers on top of the thick solid total.
  const kl = f.data[1] as { line: { dash: string }; mode: string };
  assert.equal(kl.line.dash, 'dash');
  assert.equal(kl.mode, 'lines+markers');
  assert.equal((f.data[0] as { line: { dash: string } }).line.dash, 'solid');
  assert.deepEqual(ev.x, [20, 40]);
  assert.equal(f.data.find((d) => d.name === 'lr')!.yaxis, 'y2');
  assert.equal(f.layout.title, undefined, 'no plot title: the header says step and loss');
  assert.equal((lossFigure(h, { title: 'run a' }).layout.title as { text: string }).text, 'run a');
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
  assert.deepEqual(b.x, [1, 3.5]);
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
  const neurons = figs[1].data[0] as { z: number[][]; x: number[]; customdata: [string, number][][]; colorbar: { title: { text: string } } };
  assert.equal(neurons.z[0].length, 96);
  assert.equal(neurons.x[0], 7.5, 'numeric bin centres: plain horizontal ticks');
  assert.equal(neurons.customdata[0][0][0], '0–15', 'bin ranges in the hover');
  const mean = r.neurons![4].slice(16, 32).reduce((a, b) => a + b, 0) / 16;
  assert.ok(Math.abs(neurons.customdata[4][1][1] - mean) < 1e-12, 'raw bin mean in the hover');
  const rowMax = Math.max(...r.neurons![4].map((_, j) => j).filter((j) => j % 16 === 0).map((j) => r.neurons![4].slice(j, j + 16).reduce((a, b) => a + b, 0) / 16));
  assert.ok(Math.abs(neurons.z[4][1] - mean / rowMax) < 1e-12, 'default scale: each layer ÷ its maximum');
  assert.match(neurons.colorbar.title.text, /^activation score<br>\(per layer/);
  const raw = importanceFigures(r, { scale: 'raw' })[1].data[0] as { z: number[][]; colorbar: { title: { text: string } } };
  assert.ok(Math.abs(raw.z[4][1] - mean) < 1e-12);
  assert.equal(raw.colorbar.title.text, 'activation score');
  const ch = figs[2] as unknown as { layout: { xaxis: { showticklabels: boolean; type: string } } };
  assert.equal(ch.layout.xaxis.showticklabels, true);
  assert.equal(ch.layout.xaxis.type, 'linear');
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

test('scaleRows: per layer ÷ max, log10 with gaps for non-positive values', () => {
  assert.deepEqual(scaleRows([[1, 2], [10, 20]], 'layer'), [[0.5, 1], [0.5, 1]]);
  const l = scaleRows([[100, 0, -1]], 'log')[0];
  assert.equal(l[0], 2);
  assert.ok(Number.isNaN(l[1]) && Number.isNaN(l[2]));
  assert.deepEqual(scaleRows([[0, 0]], 'layer'), [[0, 0]]);
});

test('loss plot axes: integer step ticks, lr axis from 0 even for one row', () => {
  assert.deepEqual([stepAxis(1, 3).dtick, stepAxis(1, 200).dtick, stepAxis(0, 1000).dtick], [1, 50, 200]);
  const one = lossFigure({ kind: 'train-history', rows: [{ step: 1, loss: 3, lr: 1e-4 }] });
  const y2 = one.layout.yaxis2 as { range: number[] };
  assert.equal(y2.range[0], 0);
  assert.ok(Math.abs(y2.range[1] - 1.1e-4) < 1e-12);
  assert.equal((one.layout.xaxis as { tickformat: string }).tickformat, 'd');
  assert.equal(sameAs([{ step: 1, loss: 2, kl: 2.5 }], 'kl'), false);
  assert.equal(sameAs([{ step: 1, loss: 2 }], 'kl'), false);
});

test('progress header: step i/N, elapsed, ETA, smoothed tokens/s', () => {
  const rows = [1, 2, 3, 4].map((step) => ({ step, tokens: step * 1000, loss: 2, tokensPerSec: step === 4 ? 2000 : 1000 }));
  const p = progressOf({ kind: 'train-history', rows, totalSteps: 10, elapsedSec: 8 });
  assert.equal(p.etaSec, 12);
  assert.ok(Math.abs(p.tokensPerSec! - (0.2 * 2000 + 0.8 * 1000)) < 1e-9);
  assert.equal(progressOf({ kind: 'train-history', rows }).elapsedSec, 3.5, 'summed from tokens / tokensPerSec');
  assert.equal(lossHeader({ kind: 'train-history', rows, totalSteps: 10, elapsedSec: 8 }), 'step 4 / 10 (40%) · elapsed 8s · ETA 12s · 1.20k tok/s · loss 2');
  assert.equal(fmtDuration(187), '3m 07s');
  assert.equal(fmtDuration(3720), '1h 02m');
  assert.equal(fmtDuration(0.3), '0.3s');
  assert.match(lossHeader({ kind: 'train-history', rows: [] }), /waiting/);
});

test('theme: text, grid and colour bars from the theme; the figure’s own settings win; contrast', () => {
  const dark = { ...DEFAULT_THEME, font: 'rgba(255, 255, 255, 1)', grid: '#424242', bg: '#111111', dark: true, palette: DARK_PALETTE };
  const f = applyTheme(importanceFigures(sampleReport())[0], dark);
  const l = f.layout as Record<string, any>;
  assert.equal(l.font.color, dark.font);
  assert.equal(l.xaxis.gridcolor, '#424242');
  assert.equal(l.xaxis.tickfont.color, dark.font);
  assert.equal(l.title.font.color, dark.font);
  assert.equal(l.title.font.size, 13, 'own title size kept');
  assert.equal(l.paper_bgcolor, 'rgba(0,0,0,0)');
  assert.equal((f.data[0] as any).colorbar.tickfont.color, dark.font);
  assert.equal((f.data[0] as any).colorbar.title.font.color, dark.font);
  const own = applyTheme({ data: [], layout: { font: { color: 'red' }, xaxis: { gridcolor: 'blue' } } }, dark);
  assert.equal((own.layout as any).font.color, 'red');
  assert.equal((own.layout as any).xaxis.gridcolor, 'blue');
  assert.deepEqual(parseColor('#fff'), [255, 255, 255, 1]);
  assert.deepEqual(parseColor('rgba(0, 0, 0, 0.5)'), [0, 0, 0, 0.5]);
  assert.ok(Math.abs(contrastRatio('#000', '#fff') - 21) < 1e-9);
  assert.ok(contrastRatio(dark.font, dark.bg) > 15);
  for (const c of Object.values(DARK_PALETTE).flat()) assert.ok(contrastRatio(c, '#111111') >= 4.5, `dark palette ${c} on #111`);
});
